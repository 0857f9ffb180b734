import SluiceCore

/// Translates an OpenAI chat completion chunk stream into an Anthropic Messages event stream,
/// fed the upstream's bytes in whatever pieces they arrive.
///
/// The first chunk opens the message (`message_start`). Each run of reasoning, text, or one
/// tool call becomes a content block (`content_block_start`, deltas, `content_block_stop`):
/// `thinking_delta`, `text_delta`, and `input_json_delta` with the argument fragments as
/// `partial_json`. A block never gets a delta after its `content_block_stop`, even when the
/// upstream interleaves the argument fragments of parallel tool calls (the chunk format allows
/// it): the first tool call streams live, and what comes after it (further tool calls, text)
/// is held until the choice finishes and then written block by block, each tool call's
/// fragments joined into one delta. `data: [DONE]` ends the message with `message_delta` (stop reason and usage)
/// and `message_stop`. The upstream reports its usage only at the end, so `message_start`
/// carries the caller's estimate of the input tokens (``AnthropicPromptEstimate``) and the final
/// `message_delta` the upstream's own counts (input, cache reads and writes, output). The upstream
/// should be asked for its usage chunk (``OpenAIRequestTranslator`` does), or those counts are
/// zero. An OpenAI error event becomes an Anthropic `error` event.
///
/// String literals are copied from the upstream's chunks as they are, unless `<think>` tags
/// have to be looked for in them.
public struct OpenAIStreamToAnthropic: Sendable {
    private let publicModel: String
    private let reasoning: ReasoningPolicy
    private let estimatedInputTokens: Int

    private var events = SSEEventBuffer()
    private var splitter: ReasoningSplitter?
    private var hasStarted = false
    private var openBlock: Block?
    private var nextBlockIndex = 0
    /// The OpenAI index and call id of the tool call streaming live; once set, everything else
    /// waits in `held` until the choice finishes.
    private var liveTool: (openAIIndex: Int, id: String)?
    /// What came after the live tool call, in order.
    private var held: [Held] = []
    private var stopReason: String?
    /// The stop sequence that ended the turn, when the upstream said which.
    private var stopSequence: String?

    /// The token counts the upstream reported so far.
    public private(set) var usage: Usage?
    /// Whether the upstream finished the stream (`data: [DONE]`).
    public private(set) var isComplete = false
    /// The error the upstream reported mid-stream.
    public private(set) var upstreamError: GatewayError?

    /// Output waiting for the live tool call to end.
    private enum Held {
        /// A text or thinking delta whose text is a JSON string literal.
        case delta(Block, [UInt8])
        /// A tool call: its OpenAI index and id, its name as a JSON string literal, and its
        /// argument fragments joined, still escaped, without quotes.
        case tool(openAIIndex: Int, id: String, name: [UInt8], arguments: [UInt8])
    }

    private enum Block: Equatable {
        case text
        case thinking
        case tool

        var isToolCall: Bool { self == .tool }
    }

    /// - Parameters:
    ///   - publicModel: the model name the client asked for.
    ///   - reasoning: where reasoning is found in the upstream's chunks, and whether it is kept.
    ///   - estimatedInputTokens: the input tokens `message_start` reports, before the upstream
    ///     has reported its own.
    public init(publicModel: String, reasoning: ReasoningPolicy = .passThrough, estimatedInputTokens: Int = 0) {
        self.publicModel = publicModel
        self.reasoning = reasoning
        self.estimatedInputTokens = Usage.clamped(estimatedInputTokens)
        self.splitter = reasoning.makeSplitter()
    }

    /// Takes the next upstream bytes and returns what to send the client now (possibly nothing).
    /// - Throws: when the upstream sends an event that is not valid JSON.
    public mutating func translate(_ bytes: some Collection<UInt8>) throws(TranslationError) -> [UInt8] {
        var output: [UInt8] = []
        // Moved out while in use, so the buffer is not copied and the events can change `self`.
        var events = self.events
        self.events = SSEEventBuffer()
        defer { self.events = events }
        try events.append(bytes) { data throws(TranslationError) in try self.translate(data, into: &output) }
        return output
    }

    private mutating func translate(_ data: UnsafeRawBufferPointer, into output: inout [UInt8]) throws(TranslationError) {
        if data.elementsEqual("[DONE]".utf8) {
            self.finish(into: &output)
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
            let gatewayError = GatewayError.upstreamRejected(
                status: 502, message: fields["message"]?.stringValue ?? "unspecified upstream error",
                type: fields["type"]?.stringValue, code: fields["code"]?.stringValue, param: fields["param"]?.stringValue, retryAfter: nil)
            self.upstreamError = gatewayError
            output.append(contentsOf: AnthropicErrorMapping.streamEvent(for: gatewayError))
            return
        }
        if !self.hasStarted { self.startMessage(id: chunk["id"]?.string, into: &output) }
        if let usage = chunk["usage"] { self.usage = Usage(openAIUsage: usage.value) }
        guard let choice = chunk["choices"]?.firstElementObject else { return }
        if let delta = choice["delta"]?.object {
            if let reasoning = delta["reasoning_content"] ?? delta["reasoning"], reasoning.isNonEmptyString, !self.reasoning.strips {
                self.appendBlockDelta(.thinking, reasoning.raw, into: &output)
            }
            if let content = delta["content"], content.isNonEmptyString {
                self.appendContent(content, into: &output)
            }
            for call in delta["tool_calls"]?.elements ?? [] {
                guard let call = call.object else { continue }
                self.append(toolCall: call, into: &output)
            }
        }
        if let finishReason = choice["finish_reason"]?.string {
            self.flushSplitter(into: &output)
            self.writeHeld(into: &output)
            self.closeBlock(into: &output)
            let stop = StopReasonMapping.stopReason(forFinishReason: finishReason, matchedStop: choice["stop_reason"]?.string.map(JSONValue.string))
            (self.stopReason, self.stopSequence) = (stop.reason, stop.sequence)
        }
    }

    private mutating func startMessage(id: String?, into output: inout [UInt8]) {
        self.hasStarted = true
        let message: JSONValue = [
            "id": .string(id ?? ""), "type": "message", "role": "assistant", "model": .string(self.publicModel),
            "content": [], "stop_reason": .null, "stop_sequence": .null,
            "usage": [
                "input_tokens": .integer(self.estimatedInputTokens), "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0, "output_tokens": 0,
            ],
        ]
        Self.write("message_start", ["type": "message_start", "message": message], into: &output)
    }

    private mutating func appendContent(_ content: JSONSlice, into output: inout [UInt8]) {
        guard var splitter = self.splitter, let text = content.string else {
            self.appendBlockDelta(.text, content.raw, into: &output)
            return
        }
        for segment in splitter.split(text) { self.append(segment, into: &output) }
        self.splitter = splitter
    }

    private mutating func flushSplitter(into output: inout [UInt8]) {
        guard var splitter = self.splitter else { return }
        for segment in splitter.finish() { self.append(segment, into: &output) }
        self.splitter = splitter
    }

    private mutating func append(_ segment: ReasoningSplitter.Segment, into output: inout [UInt8]) {
        var literal: [UInt8] = []
        switch segment {
        case .reasoning(let text):
            guard !text.isEmpty, !self.reasoning.strips else { return }
            JSONString.appendQuoted(text, to: &literal)
            literal.withUnsafeBytes { self.appendBlockDelta(.thinking, $0, into: &output) }
        case .content(let text):
            guard !text.isEmpty else { return }
            JSONString.appendQuoted(text, to: &literal)
            literal.withUnsafeBytes { self.appendBlockDelta(.text, $0, into: &output) }
        }
    }

    /// Writes a text or thinking delta whose text is the JSON string literal `text`.
    private mutating func appendBlockDelta(_ kind: Block, _ text: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        if self.liveTool != nil {
            self.held.append(.delta(kind, Array(text)))
            return
        }
        let index: Int
        if kind == .text {
            index = self.open(.text, #"{"type":"text","text":""}"#, into: &output)
        } else {
            index = self.open(.thinking, #"{"type":"thinking","thinking":"","signature":""}"#, into: &output)
        }
        output.append(#"event: content_block_delta\#ndata: {"type":"content_block_delta","index":"#)
        output.append(integer: index)
        output.append(kind == .text ? #","delta":{"type":"text_delta","text":"# : #","delta":{"type":"thinking_delta","thinking":"#)
        output.append(text)
        output.append("}}\n\n")
    }

    private mutating func append(toolCall call: JSONObjectSlice, into output: inout [UInt8]) {
        let openAIIndex = call["index"]?.integer ?? 0
        let id = call["id"]?.string
        let function = call["function"]?.object
        let fragment = function?["arguments"].flatMap { $0.isNonEmptyString ? $0 : nil }
        if let live = self.liveTool, live.openAIIndex == openAIIndex, id == nil || id == live.id {
            guard let fragment else { return }
            self.writeArguments(fragment.raw, toBlock: self.nextBlockIndex - 1, into: &output)
            return
        }
        if self.liveTool != nil {
            let heldIndex = self.held.lastIndex { entry in
                guard case .tool(let index, let heldID, _, _) = entry else { return false }
                return index == openAIIndex && (id == nil || id == heldID)
            }
            if let heldIndex, case .tool(let index, let heldID, let name, var arguments) = self.held[heldIndex] {
                if let fragment { arguments.append(contentsOf: fragment.rawContents) }
                self.held[heldIndex] = .tool(openAIIndex: index, id: heldID, name: name, arguments: arguments)
            } else {
                let name = function?["name"].flatMap { $0.isString ? Array($0.raw) : nil } ?? Array(#""""#.utf8)
                self.held.append(.tool(openAIIndex: openAIIndex, id: id ?? "", name: name, arguments: fragment.map { Array($0.rawContents) } ?? []))
            }
            return
        }
        self.flushSplitter(into: &output)
        let name = function?["name"].flatMap { $0.isString ? Array($0.raw) : nil } ?? Array(#""""#.utf8)
        let blockIndex = self.openToolBlock(id: id ?? "", name: name, into: &output)
        self.liveTool = (openAIIndex, id ?? "")
        if let fragment { self.writeArguments(fragment.raw, toBlock: blockIndex, into: &output) }
    }

    private mutating func openToolBlock(id: String, name: [UInt8], into output: inout [UInt8]) -> Int {
        var start: [UInt8] = []
        start.append(#"{"type":"tool_use","id":"#)
        JSONString.appendQuoted(id, to: &start)
        start.append(#","name":"#)
        start.append(contentsOf: name)
        start.append(#","input":{}}"#)
        return self.open(.tool, start, into: &output)
    }

    /// Writes an `input_json_delta` whose `partial_json` is the JSON string literal `fragment`.
    private func writeArguments(_ fragment: UnsafeRawBufferPointer, toBlock index: Int, into output: inout [UInt8]) {
        output.append(#"event: content_block_delta\#ndata: {"type":"content_block_delta","index":"#)
        output.append(integer: index)
        output.append(#","delta":{"type":"input_json_delta","partial_json":"#)
        output.append(fragment)
        output.append("}}\n\n")
    }

    /// Ends the live tool call and writes what waited for it, a block at a time.
    private mutating func writeHeld(into output: inout [UInt8]) {
        guard self.liveTool != nil else { return }
        self.liveTool = nil
        let held = self.held
        self.held = []
        for entry in held {
            switch entry {
            case .delta(let kind, let text):
                text.withUnsafeBytes { self.appendBlockDelta(kind, $0, into: &output) }
            case .tool(_, let id, let name, let arguments):
                let index = self.openToolBlock(id: id, name: name, into: &output)
                guard !arguments.isEmpty else { continue }
                let literal = [UInt8(ascii: "\"")] + arguments + [UInt8(ascii: "\"")]
                literal.withUnsafeBytes { self.writeArguments($0, toBlock: index, into: &output) }
            }
        }
    }

    /// Returns the index of the open block of `kind`, closing another and starting one (whose
    /// `content_block` is the JSON text `contentBlock`) if need be.
    private mutating func open(_ kind: Block, _ contentBlock: StaticString, into output: inout [UInt8]) -> Int {
        if self.openBlock == kind { return self.nextBlockIndex - 1 }
        return contentBlock.withUTF8Buffer { self.open(kind, Array($0), into: &output) }
    }

    private mutating func open(_ kind: Block, _ contentBlock: [UInt8], into output: inout [UInt8]) -> Int {
        if self.openBlock == kind, !kind.isToolCall { return self.nextBlockIndex - 1 }
        self.closeBlock(into: &output)
        let index = self.nextBlockIndex
        self.nextBlockIndex += 1
        self.openBlock = kind
        output.append(#"event: content_block_start\#ndata: {"type":"content_block_start","index":"#)
        output.append(integer: index)
        output.append(#","content_block":"#)
        output.append(contentsOf: contentBlock)
        output.append("}\n\n")
        return index
    }

    private mutating func closeBlock(into output: inout [UInt8]) {
        guard self.openBlock != nil else { return }
        self.openBlock = nil
        output.append(#"event: content_block_stop\#ndata: {"type":"content_block_stop","index":"#)
        output.append(integer: self.nextBlockIndex - 1)
        output.append("}\n\n")
    }

    private mutating func finish(into output: inout [UInt8]) {
        if !self.hasStarted { self.startMessage(id: nil, into: &output) }
        self.flushSplitter(into: &output)
        self.writeHeld(into: &output)
        self.closeBlock(into: &output)
        let usage = self.usage ?? Usage(promptTokens: 0, completionTokens: 0)
        Self.write("message_delta", [
            "type": "message_delta",
            "delta": ["stop_reason": .string(self.stopReason ?? "end_turn"), "stop_sequence": self.stopSequence.map(JSONValue.string) ?? .null],
            "usage": usage.anthropicJSON,
        ], into: &output)
        Self.write("message_stop", ["type": "message_stop"], into: &output)
        self.isComplete = true
    }

    private static func write(_ name: StaticString, _ data: JSONValue, into output: inout [UInt8]) {
        output.append("event: ")
        output.append(name)
        output.append("\ndata: ")
        data.write(into: &output)
        output.append("\n\n")
    }
}
