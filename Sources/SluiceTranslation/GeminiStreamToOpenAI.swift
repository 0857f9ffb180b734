import SluiceCore

/// Translates a Gemini `streamGenerateContent?alt=sse` event stream into an OpenAI chat
/// completion chunk stream, fed the upstream's bytes in whatever pieces they arrive.
///
/// Each event is a whole `GenerateContentResponse`: a role chunk goes out first, then its thought
/// parts as `reasoning_content`, its text as `content`. `functionCall` parts (Gemini sends them
/// whole) wait for the event with the `finishReason`, because the thought signature their ids
/// carry (``GeminiToolCallID``) may come in a later part; each then becomes one tool call delta
/// with `index`, `id`, `function.name` and `function.arguments`.
/// Gemini sends no end marker, so ``finish()``, called when the upstream body ended, writes the
/// `finish_reason` chunk, the usage chunk when asked for, and `data: [DONE]` — only when an event
/// carried a `finishReason`. An upstream error event, a blocked prompt, an answer filtered before
/// any content, or a malformed function call become an OpenAI error event instead.
public struct GeminiStreamToOpenAI: Sendable {
    private let publicModel: String
    private let created: Int
    private let includeUsage: Bool
    private let stripsReasoning: Bool

    private var events = SSEEventBuffer()
    private var id = ""
    private var chunkHead: [UInt8] = []
    private var hasStarted = false
    private var hasContent = false
    private var nextToolIndex = 0
    /// Function calls not yet sent, and a thought signature seen on another part.
    private var heldCalls: [GeminiCandidate.FunctionCall] = []
    private var looseSignature: String?
    private var finishReason: String?

    /// The token counts the upstream reported so far.
    public private(set) var usage: Usage?
    /// Whether the stream ended properly and `data: [DONE]` went out.
    public private(set) var isComplete = false
    /// The error the upstream reported mid-stream, in the OpenAI shape.
    public private(set) var upstreamError: GatewayError?

    /// - Parameters:
    ///   - publicModel: the model name the client asked for.
    ///   - created: the Unix time put in every chunk.
    ///   - includeUsage: whether to write the usage chunk.
    ///   - stripsReasoning: whether thought parts are left out of the stream.
    public init(publicModel: String, created: Int, includeUsage: Bool, stripsReasoning: Bool = false) {
        self.publicModel = publicModel
        self.created = created
        self.includeUsage = includeUsage
        self.stripsReasoning = stripsReasoning
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

    /// What to send once the upstream body ended: the last chunks and `data: [DONE]` when a
    /// `finishReason` arrived and no error did; nothing otherwise.
    public mutating func finish() -> [UInt8] {
        guard self.upstreamError == nil, !self.isComplete, let finishReason = self.finishReason else { return [] }
        var output: [UInt8] = []
        let reason = GeminiFinishReason.openAI(finishReason, callsFunctions: self.nextToolIndex > 0)
        self.writeChunk(delta: [:], finishReason: .string(reason), into: &output)
        if self.includeUsage, let usage = self.usage {
            var chunk = ObjectBuilder()
            chunk.set("id", .string(self.id))
            chunk.set("object", "chat.completion.chunk")
            chunk.set("created", .integer(self.created))
            chunk.set("model", .string(self.publicModel))
            chunk.set("choices", [])
            chunk.set("usage", usage.openAIJSON)
            output.append("data: ")
            chunk.object.write(into: &output)
            output.append("\n\n")
        }
        output.append("data: [DONE]\n\n")
        self.isComplete = true
        return output
    }

    private mutating func translate(_ data: UnsafeRawBufferPointer, into output: inout [UInt8]) throws(TranslationError) {
        guard self.upstreamError == nil else { return }
        let event: JSONValue
        do {
            event = try JSONValue.parseObject(data)
        } catch {
            throw TranslationError.upstreamInvalid("the upstream sent a stream event that is not valid JSON (\(error.reason))")
        }
        if event.present("error") != nil {
            self.fail(GeminiErrorMapping.gatewayError(status: 0, geminiBody: data), into: &output)
            return
        }
        let candidate = GeminiCandidate(event)
        if let usage = candidate.usage { self.usage = usage }
        if let blockReason = candidate.blockReason {
            self.fail(TranslationError.contentFiltered(blockReason).gatewayError, into: &output)
            return
        }
        if !self.hasStarted {
            self.hasStarted = true
            self.id = GeminiCandidate.completionID(responseID: event["responseId"]?.stringValue)
            self.chunkHead = Array(#"data: {"id":\#(JSONString.quoted(self.id)),"object":"chat.completion.chunk","created":\#(self.created),"model":\#(JSONString.quoted(self.publicModel)),"choices":[{"index":0,"delta":"#.utf8)
            self.writeChunk(delta: ["role": "assistant", "content": ""], finishReason: .null, into: &output)
        }
        if !candidate.reasoning.isEmpty, !self.stripsReasoning {
            self.hasContent = true
            self.writeChunk(delta: ["reasoning_content": .string(candidate.reasoning)], finishReason: .null, into: &output)
        }
        if !candidate.text.isEmpty {
            self.hasContent = true
            self.writeChunk(delta: ["content": .string(candidate.text)], finishReason: .null, into: &output)
        }
        if !candidate.functionCalls.isEmpty { self.hasContent = true }
        self.heldCalls += candidate.functionCalls
        if let signature = candidate.looseSignature { self.looseSignature = signature }
        if let finishReason = candidate.finishReason {
            if GeminiFinishReason.isFailedToolCall(finishReason) {
                self.fail(TranslationError.malformedToolCall(finishReason, detail: candidate.finishMessage).gatewayError, into: &output)
                return
            }
            self.writeHeldCalls(into: &output)
            if GeminiFinishReason.isFiltered(finishReason), !self.hasContent {
                self.fail(TranslationError.contentFiltered(finishReason).gatewayError, into: &output)
                return
            }
            self.finishReason = finishReason
        }
    }

    private mutating func writeHeldCalls(into output: inout [UInt8]) {
        let calls = GeminiCandidate.FunctionCall.openAIToolCalls(self.heldCalls, looseSignature: self.looseSignature)
        self.heldCalls = []
        for call in calls {
            guard case .object(let members) = call else { continue }
            let toolCall = JSONValue.object([(key: "index", value: .integer(self.nextToolIndex))] + members)
            self.nextToolIndex += 1
            self.writeChunk(delta: ["tool_calls": [toolCall]], finishReason: .null, into: &output)
        }
    }

    private mutating func fail(_ error: GatewayError, into output: inout [UInt8]) {
        self.upstreamError = error
        output.append(contentsOf: error.streamEvent.utf8)
    }

    private func writeChunk(delta: JSONValue, finishReason: JSONValue, into output: inout [UInt8]) {
        output.append(contentsOf: self.chunkHead)
        delta.write(into: &output)
        output.append(#","logprobs":null,"finish_reason":"#)
        finishReason.write(into: &output)
        output.append("}]}\n\n")
    }
}
