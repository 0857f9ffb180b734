import SluiceCore

/// Translates an OpenAI chat completion chunk stream into a Responses API event stream, fed
/// the upstream's bytes in whatever pieces they arrive.
///
/// The first input opens the response (`response.created`, `response.in_progress`). Each run of
/// reasoning, text, or one tool call becomes an output item (`response.output_item.added` ...
/// `response.output_item.done`), one after another, as OpenAI streams them:
/// - reasoning: a `reasoning` item; its text streams as a summary
///   (`response.reasoning_summary_part.added`, `response.reasoning_summary_text.delta` / `.done`,
///   `response.reasoning_summary_part.done`) when the request asked for one, and the item's
///   `encrypted_content` seals the backend's reasoning when the request included it;
/// - text: a `message` item with an `output_text` part (`response.content_part.added`,
///   `response.output_text.delta` / `.done`, `response.content_part.done`), a refusal a
///   `refusal` part (`response.refusal.delta` / `.done`);
/// - a tool call: a `function_call` item, `response.function_call_arguments.delta` per
///   fragment and `.done` with the whole arguments.
///
/// An item never gets a delta after its `output_item.done`, even when the upstream interleaves
/// the argument fragments of parallel tool calls (the chunk format allows it): the first tool
/// call streams live, and what comes after it waits until the choice finishes and is then
/// written item by item, each waiting tool call's fragments joined into one delta. `data: [DONE]`
/// (or ``finish()`` for a stream that ends without it) ends the response with
/// `response.completed`, or `response.incomplete` when the answer stopped at its token limit or
/// a content filter; an upstream error event ends it with `response.failed`. Every event carries
/// a `sequence_number`, from 0 up.
///
/// The translator keeps each open item's text and arguments, and each finished item once, for
/// the final `response` object (``completedResponse``); nothing per event.
public struct OpenAIStreamToResponses: Sendable {
    private let context: ResponsesAnswerContext
    private var ids: ResponsesIDs

    private var events = SSEEventBuffer()
    private var nextSequenceNumber = 0
    private var hasStarted = false
    /// The finished output items, serialised, in output order.
    private var doneItems: [[UInt8]] = []
    private var live: LiveItem?
    /// What came after the live tool call, in order.
    private var held: [Held] = []
    private var finishReason: String?
    private var reasoningTokens = 0

    /// The token counts the upstream reported so far.
    public private(set) var usage: Usage?
    /// Whether the response has ended (completed, incomplete or failed).
    public private(set) var isComplete = false
    /// The error the upstream reported mid-stream.
    public private(set) var upstreamError: GatewayError?
    /// The final `response` object, once the response has ended: the one the last event carries.
    public private(set) var completedResponse: [UInt8]?

    private enum LiveItem {
        case reasoning(ReasoningItem)
        case message(MessageItem)
        case tool(ToolItem)
    }

    private struct ReasoningItem {
        let id: String
        let outputIndex: Int
        var form = ResponsesReasoningForm()
        var summaryOpen = false
    }

    private struct MessageItem {
        let id: String
        let outputIndex: Int
        var parts: [JSONValue] = []
        var part: Part?

        struct Part {
            let isRefusal: Bool
            let contentIndex: Int
            var text = ""
        }
    }

    private struct ToolItem {
        let id: String
        let outputIndex: Int
        let chatIndex: Int
        let callID: String
        let chatName: String
        var arguments = ""
    }

    /// Output waiting for the live tool call to end.
    private enum Held {
        case text(String)
        case refusal(String)
        case reasoning(ResponsesReasoningForm)
        case tool(chatIndex: Int, callID: String, chatName: String, arguments: String)
    }

    /// - Parameters:
    ///   - responseID: the response's id (`resp_...`).
    ///   - createdAt: the Unix time the response was created.
    ///   - publicModel: the model name the client asked for.
    ///   - request: the client's request, as the response object repeats it.
    ///   - chatForm: the translation of the request (nil counts as one without namespaces).
    ///   - seal: seals the backend's reasoning when the client asked for `reasoning.encrypted_content`.
    ///   - ids: makes the output items' ids.
    public init(
        responseID: String, createdAt: Int, publicModel: String, request: ResponsesRequestEcho, chatForm: ResponsesChatForm?,
        seal: (any ReasoningSeal)?, ids: ResponsesIDs = ResponsesIDs()
    ) {
        self.context = ResponsesAnswerContext(
            responseID: responseID, createdAt: createdAt, publicModel: publicModel, echo: request,
            toolNames: chatForm?.toolNames ?? ResponsesToolNames(), seal: seal
        )
        self.ids = ids
    }

    /// Takes the next upstream bytes and returns the events to send the client now (possibly none).
    /// - Throws: when the upstream sends an event that is not valid JSON.
    public mutating func translate(_ bytes: some Collection<UInt8>) throws(TranslationError) -> [UInt8] {
        var output: [UInt8] = []
        self.start(into: &output)
        // Moved out while in use, so the buffer is not copied and the events can change `self`.
        var events = self.events
        self.events = SSEEventBuffer()
        defer { self.events = events }
        try events.append(bytes) { data throws(TranslationError) in try self.translate(data, into: &output) }
        return output
    }

    /// Ends a stream whose input ended: completed when the choice had finished, failed when the
    /// stream was cut before it did. Nothing when the response has ended already.
    public mutating func finish() -> [UInt8] {
        var output: [UInt8] = []
        guard !self.isComplete else { return output }
        self.start(into: &output)
        if self.finishReason != nil {
            self.end(into: &output)
        } else {
            self.fail(code: "server_error", message: "the upstream's stream ended before the answer was finished", into: &output)
        }
        return output
    }

    /// Ends the response as failed with `error` (an upstream that broke off, a timeout).
    /// Nothing when the response has ended already.
    public mutating func fail(_ error: GatewayError) -> [UInt8] {
        var output: [UInt8] = []
        guard !self.isComplete else { return output }
        self.start(into: &output)
        self.fail(code: Self.errorCode(error.code ?? error.type), message: error.message, into: &output)
        return output
    }

    // MARK: - Chunks

    private mutating func translate(_ data: UnsafeRawBufferPointer, into output: inout [UInt8]) throws(TranslationError) {
        guard !self.isComplete else { return }
        if data.elementsEqual("[DONE]".utf8) {
            self.end(into: &output)
            return
        }
        let chunk: JSONObjectSlice
        do {
            chunk = try JSONSlice.validatedObject(data)
        } catch {
            throw TranslationError.upstreamInvalid("the upstream sent a stream event that is not valid JSON (\(error.reason))")
        }
        if let error = chunk["error"] {
            let fields = error.value
            let message = fields["message"]?.stringValue ?? "unspecified upstream error"
            self.upstreamError = GatewayError.upstreamRejected(
                status: 502, message: message, type: fields["type"]?.stringValue, code: fields["code"]?.stringValue,
                param: fields["param"]?.stringValue, retryAfter: nil)
            self.fail(code: Self.errorCode(fields["code"]?.stringValue ?? fields["type"]?.stringValue), message: message, into: &output)
            return
        }
        if let usage = chunk["usage"], usage.object != nil {
            let fields = usage.value
            self.usage = Usage(openAIUsage: fields)
            self.reasoningTokens = Usage.reasoningTokens(inOpenAIUsage: fields)
        }
        guard let choice = chunk["choices"]?.firstElementObject else { return }
        if let delta = choice["delta"]?.object {
            var reasoning = ResponsesReasoningForm()
            if let text = delta["reasoning_content"] ?? delta["reasoning"], text.isNonEmptyString, let decoded = text.string {
                reasoning.add(text: decoded)
            }
            if let blocks = delta["thinking_blocks"]?.value.arrayValue {
                reasoning.thinkingBlocks = blocks.filter { $0.objectMembers != nil }
            }
            if !reasoning.isEmpty { self.append(reasoning: reasoning, literal: delta["reasoning_content"] ?? delta["reasoning"], into: &output) }
            if let content = delta["content"], content.isNonEmptyString, let text = content.string {
                self.append(text: text, literal: content.raw, refusal: false, into: &output)
            }
            if let refusal = delta["refusal"], refusal.isNonEmptyString, let text = refusal.string {
                self.append(text: text, literal: refusal.raw, refusal: true, into: &output)
            }
            for call in delta["tool_calls"]?.elements ?? [] {
                guard let call = call.object else { continue }
                self.append(toolCall: call, into: &output)
            }
        }
        if let reason = choice["finish_reason"]?.string, self.finishReason == nil {
            self.finishReason = reason
            self.closeLive(into: &output)
            self.writeHeld(into: &output)
        }
    }

    // MARK: - Items

    private mutating func append(reasoning: ResponsesReasoningForm, literal: JSONSlice?, into output: inout [UInt8]) {
        if case .tool = self.live {
            self.hold(.reasoning(reasoning))
            return
        }
        var item: ReasoningItem
        if case .reasoning(let open) = self.live {
            // Taken out while it grows, so its text is not copied at every delta.
            self.live = nil
            item = open
        } else {
            self.closeLive(into: &output)
            item = ReasoningItem(id: self.ids.next(ResponsesIDs.reasoningPrefix), outputIndex: self.doneItems.count)
            self.writeItemAdded(["id": .string(item.id), "type": "reasoning", "summary": []], at: item.outputIndex, into: &output)
        }
        if reasoning.hasText, self.context.echo.wantsReasoningSummary {
            if !item.summaryOpen {
                item.summaryOpen = true
                self.writeEvent("response.reasoning_summary_part.added", into: &output) { event in
                    Self.writeItemPosition(item.id, item.outputIndex, into: &event)
                    event.append(#","summary_index":0,"part":{"type":"summary_text","text":""}"#)
                }
            }
            self.writeEvent("response.reasoning_summary_text.delta", into: &output) { event in
                Self.writeItemPosition(item.id, item.outputIndex, into: &event)
                event.append(#","summary_index":0,"delta":"#)
                Self.writeLiteral(literal, or: reasoning.text, into: &event)
            }
        }
        item.form.add(reasoning)
        self.live = .reasoning(item)
    }

    /// Appends text (or a refusal) whose JSON string literal is `literal`.
    private mutating func append(text: String, literal: UnsafeRawBufferPointer?, refusal: Bool, into output: inout [UInt8]) {
        if case .tool = self.live {
            self.hold(refusal ? .refusal(text) : .text(text))
            return
        }
        var item: MessageItem
        if case .message(let open) = self.live {
            self.live = nil
            item = open
        } else {
            self.closeLive(into: &output)
            item = MessageItem(id: self.ids.next(ResponsesIDs.messagePrefix), outputIndex: self.doneItems.count)
            self.writeItemAdded(ResponsesOutputItems.message(id: item.id, status: "in_progress", content: []), at: item.outputIndex, into: &output)
        }
        if let part = item.part, part.isRefusal != refusal {
            self.closePart(of: &item, into: &output)
        }
        if item.part == nil {
            let part = MessageItem.Part(isRefusal: refusal, contentIndex: item.parts.count)
            item.part = part
            self.writeEvent("response.content_part.added", into: &output) { event in
                Self.writePartPosition(item.id, item.outputIndex, part.contentIndex, into: &event)
                event.append(#","part":"#)
                (refusal ? ResponsesOutputItems.refusal("") : ResponsesOutputItems.outputText("")).write(into: &event)
            }
        }
        item.part!.text += text
        let contentIndex = item.part!.contentIndex
        self.writeEvent(refusal ? "response.refusal.delta" : "response.output_text.delta", into: &output) { event in
            Self.writePartPosition(item.id, item.outputIndex, contentIndex, into: &event)
            event.append(#","delta":"#)
            if let literal { event.append(literal) } else { JSONString.appendQuoted(text, to: &event) }
            if !refusal { event.append(#","logprobs":[]"#) }
        }
        self.live = .message(item)
    }

    private mutating func append(toolCall call: JSONObjectSlice, into output: inout [UInt8]) {
        let chatIndex = call["index"]?.integer ?? 0
        let callID = call["id"]?.string
        let function = call["function"]?.object
        let fragment = function?["arguments"].flatMap { $0.isNonEmptyString ? $0 : nil }
        if case .tool(var item) = self.live, item.chatIndex == chatIndex, callID == nil || callID == item.callID {
            guard let fragment, let text = fragment.string else { return }
            self.live = nil
            item.arguments += text
            self.live = .tool(item)
            self.writeArgumentsDelta(item, literal: fragment.raw, text: text, into: &output)
            return
        }
        if case .tool = self.live {
            let heldIndex = self.held.lastIndex { entry in
                guard case .tool(let index, let heldID, _, _) = entry else { return false }
                return index == chatIndex && (callID == nil || callID == heldID)
            }
            if let heldIndex, case .tool(let index, let heldID, let name, var arguments) = self.held[heldIndex] {
                self.held[heldIndex] = .text("")
                arguments += fragment?.string ?? ""
                self.held[heldIndex] = .tool(chatIndex: index, callID: heldID, chatName: name, arguments: arguments)
            } else {
                self.held.append(.tool(
                    chatIndex: chatIndex, callID: callID ?? self.ids.next(ResponsesIDs.callPrefix), chatName: function?["name"]?.string ?? "",
                    arguments: fragment?.string ?? ""
                ))
            }
            return
        }
        let item = self.openTool(chatIndex: chatIndex, callID: callID ?? self.ids.next(ResponsesIDs.callPrefix), chatName: function?["name"]?.string ?? "", into: &output)
        if let fragment, let text = fragment.string {
            self.live = .tool(ToolItem(
                id: item.id, outputIndex: item.outputIndex, chatIndex: chatIndex, callID: item.callID, chatName: item.chatName, arguments: text))
            self.writeArgumentsDelta(item, literal: fragment.raw, text: text, into: &output)
        }
    }

    /// Keeps output that came after the live tool call, joined to the held entry before it when
    /// they are of one kind; the entry is taken out while it grows, so it is not copied each time.
    private mutating func hold(_ entry: Held) {
        switch (self.held.popLast(), entry) {
        case (.text(var soFar)?, .text(let text)):
            soFar += text
            self.held.append(.text(soFar))
        case (.refusal(var soFar)?, .refusal(let text)):
            soFar += text
            self.held.append(.refusal(soFar))
        case (.reasoning(var soFar)?, .reasoning(let reasoning)):
            soFar.add(reasoning)
            self.held.append(.reasoning(soFar))
        case (let last?, _):
            self.held.append(last)
            self.held.append(entry)
        case (nil, _):
            self.held.append(entry)
        }
    }

    private mutating func openTool(chatIndex: Int, callID: String, chatName: String, into output: inout [UInt8]) -> ToolItem {
        self.closeLive(into: &output)
        let item = ToolItem(
            id: self.ids.next(ResponsesIDs.functionCallPrefix), outputIndex: self.doneItems.count, chatIndex: chatIndex, callID: callID,
            chatName: chatName)
        self.live = .tool(item)
        self.writeItemAdded(self.functionCall(item, status: "in_progress"), at: item.outputIndex, into: &output)
        return item
    }

    private mutating func writeArgumentsDelta(_ item: ToolItem, literal: UnsafeRawBufferPointer?, text: String, into output: inout [UInt8]) {
        self.writeEvent("response.function_call_arguments.delta", into: &output) { event in
            Self.writeItemPosition(item.id, item.outputIndex, into: &event)
            event.append(#","delta":"#)
            if let literal { event.append(literal) } else { JSONString.appendQuoted(text, to: &event) }
        }
    }

    /// Ends the live tool call and writes what waited for it, an item at a time.
    private mutating func writeHeld(into output: inout [UInt8]) {
        let held = self.held
        self.held = []
        for entry in held {
            switch entry {
            case .text(let text):
                self.append(text: text, literal: nil, refusal: false, into: &output)
            case .refusal(let text):
                self.append(text: text, literal: nil, refusal: true, into: &output)
            case .reasoning(let form):
                self.append(reasoning: form, literal: nil, into: &output)
            case .tool(let chatIndex, let callID, let chatName, let arguments):
                var item = self.openTool(chatIndex: chatIndex, callID: callID, chatName: chatName, into: &output)
                if !arguments.isEmpty {
                    item.arguments = arguments
                    self.live = .tool(item)
                    self.writeArgumentsDelta(item, literal: nil, text: arguments, into: &output)
                }
                self.closeLive(into: &output)
            }
        }
    }

    // MARK: - Closing

    /// The status of an item closed now: incomplete once the answer stopped short.
    private var closingStatus: String {
        ResponsesOutputItems.incompleteReason(forFinishReason: self.finishReason) == nil ? "completed" : "incomplete"
    }

    private mutating func closeLive(into output: inout [UInt8], status: String? = nil) {
        guard let live = self.live else { return }
        self.live = nil
        let status = status ?? self.closingStatus
        let item: JSONValue
        let outputIndex: Int
        switch live {
        case .reasoning(let reasoning):
            let summary = reasoning.form.hasText && self.context.echo.wantsReasoningSummary
            if reasoning.summaryOpen {
                let text: JSONValue = .string(reasoning.form.text)
                self.writeEvent("response.reasoning_summary_text.done", into: &output) { event in
                    Self.writeItemPosition(reasoning.id, reasoning.outputIndex, into: &event)
                    event.append(#","summary_index":0,"text":"#)
                    text.write(into: &event)
                }
                self.writeEvent("response.reasoning_summary_part.done", into: &output) { event in
                    Self.writeItemPosition(reasoning.id, reasoning.outputIndex, into: &event)
                    event.append(#","summary_index":0,"part":{"type":"summary_text","text":"#)
                    text.write(into: &event)
                    event.append("}")
                }
            }
            item = ResponsesOutputItems.reasoning(id: reasoning.id, reasoning: reasoning.form, summary: summary, context: self.context)
            outputIndex = reasoning.outputIndex
        case .message(var message):
            self.closePart(of: &message, into: &output)
            item = ResponsesOutputItems.message(id: message.id, status: status, content: message.parts)
            outputIndex = message.outputIndex
        case .tool(let tool):
            let arguments: JSONValue = .string(tool.arguments)
            self.writeEvent("response.function_call_arguments.done", into: &output) { event in
                Self.writeItemPosition(tool.id, tool.outputIndex, into: &event)
                event.append(#","arguments":"#)
                arguments.write(into: &event)
            }
            item = self.functionCall(tool, status: status)
            outputIndex = tool.outputIndex
        }
        let serialized = item.serialized
        self.writeEvent("response.output_item.done", into: &output) { event in
            event.append(#","output_index":"#)
            event.append(integer: outputIndex)
            event.append(#","item":"#)
            event.append(contentsOf: serialized)
        }
        self.doneItems.append(serialized)
    }

    private mutating func closePart(of message: inout MessageItem, into output: inout [UInt8]) {
        guard let part = message.part else { return }
        message.part = nil
        let text: JSONValue = .string(part.text)
        let done = part.isRefusal ? ResponsesOutputItems.refusal(part.text) : ResponsesOutputItems.outputText(part.text)
        let (id, outputIndex) = (message.id, message.outputIndex)
        self.writeEvent(part.isRefusal ? "response.refusal.done" : "response.output_text.done", into: &output) { event in
            Self.writePartPosition(id, outputIndex, part.contentIndex, into: &event)
            event.append(part.isRefusal ? #","refusal":"# : #","text":"#)
            text.write(into: &event)
            if !part.isRefusal { event.append(#","logprobs":[]"#) }
        }
        self.writeEvent("response.content_part.done", into: &output) { event in
            Self.writePartPosition(id, outputIndex, part.contentIndex, into: &event)
            event.append(#","part":"#)
            done.write(into: &event)
        }
        message.parts.append(done)
    }

    private func functionCall(_ item: ToolItem, status: String) -> JSONValue {
        ResponsesOutputItems.functionCall(
            id: item.id, status: status, callID: item.callID, chatName: item.chatName, arguments: item.arguments, toolNames: self.context.toolNames)
    }

    // MARK: - The response

    private mutating func start(into output: inout [UInt8]) {
        guard !self.hasStarted else { return }
        self.hasStarted = true
        let response = self.context.echo.responseObject(self.context, status: "in_progress", output: [], usage: nil)
        for type: StaticString in ["response.created", "response.in_progress"] {
            self.writeEvent(type, into: &output) { event in
                event.append(#","response":"#)
                event.append(contentsOf: response)
            }
        }
    }

    /// Ends the response after its choice finished (or the upstream said `[DONE]`).
    private mutating func end(into output: inout [UInt8]) {
        self.closeLive(into: &output)
        self.writeHeld(into: &output)
        self.closeLive(into: &output)
        let usage = (self.usage ?? Usage(promptTokens: 0, completionTokens: 0)).responsesJSON(reasoningTokens: self.reasoningTokens)
        let reason = ResponsesOutputItems.incompleteReason(forFinishReason: self.finishReason)
        let response = self.context.echo.responseObject(
            self.context, status: reason == nil ? "completed" : "incomplete", output: self.doneItems, usage: usage, incompleteReason: reason)
        self.writeFinal(reason == nil ? "response.completed" : "response.incomplete", response, into: &output)
    }

    private mutating func fail(code: String, message: String, into output: inout [UInt8]) {
        self.closeLive(into: &output, status: "incomplete")
        self.held = []
        let response = self.context.echo.responseObject(
            self.context, status: "failed", output: self.doneItems,
            usage: self.usage.map { $0.responsesJSON(reasoningTokens: self.reasoningTokens) },
            error: ["code": .string(code), "message": .string(message)])
        self.writeFinal("response.failed", response, into: &output)
    }

    private mutating func writeFinal(_ type: StaticString, _ response: [UInt8], into output: inout [UInt8]) {
        self.writeEvent(type, into: &output) { event in
            event.append(#","response":"#)
            event.append(contentsOf: response)
        }
        self.completedResponse = response
        self.doneItems = []
        self.isComplete = true
    }

    /// The `error.code` of a failed response: one of OpenAI's codes when the upstream gave one.
    private static func errorCode(_ upstream: String?) -> String {
        switch upstream {
        case "rate_limit_exceeded", "rate_limit_error": "rate_limit_exceeded"
        case "invalid_prompt": "invalid_prompt"
        default: "server_error"
        }
    }

    // MARK: - Writing

    /// Writes an event of `type`: its `type` and `sequence_number`, then the members `body` writes.
    private mutating func writeEvent(_ type: StaticString, into output: inout [UInt8], _ body: (inout [UInt8]) -> Void) {
        output.append("event: ")
        output.append(type)
        output.append("\ndata: {\"type\":\"")
        output.append(type)
        output.append(#"","sequence_number":"#)
        output.append(integer: self.nextSequenceNumber)
        self.nextSequenceNumber += 1
        body(&output)
        output.append("}\n\n")
    }

    private mutating func writeItemAdded(_ item: JSONValue, at outputIndex: Int, into output: inout [UInt8]) {
        self.writeEvent("response.output_item.added", into: &output) { event in
            event.append(#","output_index":"#)
            event.append(integer: outputIndex)
            event.append(#","item":"#)
            item.write(into: &event)
        }
    }

    private static func writeItemPosition(_ id: String, _ outputIndex: Int, into event: inout [UInt8]) {
        event.append(#","item_id":"#)
        JSONString.appendQuoted(id, to: &event)
        event.append(#","output_index":"#)
        event.append(integer: outputIndex)
    }

    private static func writePartPosition(_ id: String, _ outputIndex: Int, _ contentIndex: Int, into event: inout [UInt8]) {
        Self.writeItemPosition(id, outputIndex, into: &event)
        event.append(#","content_index":"#)
        event.append(integer: contentIndex)
    }

    /// Writes the JSON string literal `literal` as it came, or `text` quoted.
    private static func writeLiteral(_ literal: JSONSlice?, or text: String, into event: inout [UInt8]) {
        if let literal, literal.isString { event.append(literal.raw) } else { JSONString.appendQuoted(text, to: &event) }
    }
}
