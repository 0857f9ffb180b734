import SluiceCore

/// Translates an Anthropic Messages event stream into an OpenAI chat completion chunk stream,
/// fed the upstream's bytes in whatever pieces they arrive.
///
/// Text deltas become `content`, thinking deltas `reasoning_content`, and each `tool_use` block
/// one tool call streamed as OpenAI does: `id`, `type` and `function.name` on its first fragment,
/// then `function.arguments` fragments under the same `index`. When a thinking block's signature
/// arrives, the whole block goes out once in `thinking_blocks` so the client can send it back.
/// `message_stop` ends the stream with the `finish_reason` chunk, the usage chunk when the
/// client asked for it, and `data: [DONE]`. An upstream `error` event becomes an OpenAI error event.
public struct AnthropicStreamToOpenAI: Sendable {
    private let publicModel: String
    private let created: Int
    private let includeUsage: Bool
    private let stripsReasoning: Bool

    private var events = SSEEventBuffer()
    private var id = ""
    private var chunkHead: [UInt8] = []
    private var blocks: [Int: Block] = [:]
    private var nextToolIndex = 0
    private var stopReason: String?
    private var anthropicUsage: [(key: String, value: JSONValue)] = []

    /// The token counts the upstream reported so far.
    public private(set) var usage: Usage?
    /// Whether the upstream finished the message (`message_stop`).
    public private(set) var isComplete = false
    /// The error the upstream reported mid-stream, in the OpenAI shape.
    public private(set) var upstreamError: GatewayError?

    private enum Block: Sendable {
        case text
        case tool(index: Int)
        case thinking(text: String)
        case ignored
    }

    /// - Parameters:
    ///   - publicModel: the model name the client asked for.
    ///   - created: the Unix time put in every chunk.
    ///   - includeUsage: whether the client asked for the usage chunk (`stream_options.include_usage`).
    ///   - stripsReasoning: whether thinking is left out of the stream.
    public init(publicModel: String, created: Int, includeUsage: Bool, stripsReasoning: Bool = false) {
        self.publicModel = publicModel
        self.created = created
        self.includeUsage = includeUsage
        self.stripsReasoning = stripsReasoning
        self.chunkHead = Self.chunkHead(id: "", publicModel: publicModel, created: created)
    }

    /// Takes the next upstream bytes and returns what to send the client now (possibly nothing).
    /// - Throws: when the upstream sends an event that is not valid JSON.
    public mutating func translate(_ bytes: some Collection<UInt8>) throws(TranslationError) -> [UInt8] {
        var output: [UInt8] = []
        for event in try self.events.append(bytes) {
            try self.translate(event, into: &output)
        }
        return output
    }

    private mutating func translate(_ event: SSEEventBuffer.Event, into output: inout [UInt8]) throws(TranslationError) {
        let data: JSONValue
        do {
            data = try JSONValue.parseObject(event.data)
        } catch {
            throw TranslationError.upstreamInvalid("the upstream sent a stream event that is not valid JSON (\(error.reason))")
        }
        switch data["type"]?.stringValue ?? event.name {
        case "message_start":
            let message = data["message"]
            self.id = message?["id"]?.stringValue ?? ""
            self.chunkHead = Self.chunkHead(id: self.id, publicModel: self.publicModel, created: self.created)
            if let usage = message?["usage"]?.objectMembers { self.mergeUsage(usage) }
            self.writeChunk(delta: ["role": "assistant", "content": ""], into: &output)
        case "content_block_start":
            guard let index = data["index"]?.intValue, let block = data["content_block"] else { return }
            self.start(block, at: index, into: &output)
        case "content_block_delta":
            guard let index = data["index"]?.intValue, let delta = data["delta"] else { return }
            self.apply(delta, toBlockAt: index, into: &output)
        case "content_block_stop":
            guard let index = data["index"]?.intValue else { return }
            self.blocks[index] = nil
        case "message_delta":
            if let reason = data["delta"]?["stop_reason"]?.stringValue { self.stopReason = reason }
            if let usage = data["usage"]?.objectMembers { self.mergeUsage(usage) }
        case "message_stop":
            self.finish(into: &output)
        case "error":
            let error = AnthropicErrorMapping.gatewayError(status: 0, anthropicBody: event.data)
            self.upstreamError = error
            output.append(contentsOf: error.streamEvent.utf8)
        default:
            break
        }
    }

    private mutating func start(_ block: JSONValue, at index: Int, into output: inout [UInt8]) {
        switch block["type"]?.stringValue {
        case "text":
            self.blocks[index] = .text
            if let text = block["text"]?.stringValue, !text.isEmpty { self.writeChunk(delta: ["content": .string(text)], into: &output) }
        case "tool_use":
            let toolIndex = self.nextToolIndex
            self.nextToolIndex += 1
            self.blocks[index] = .tool(index: toolIndex)
            let call: JSONValue = [
                "index": .integer(toolIndex), "id": block["id"] ?? "", "type": "function",
                "function": ["name": block["name"] ?? "", "arguments": ""],
            ]
            self.writeChunk(delta: ["tool_calls": [call]], into: &output)
        case "thinking" where !self.stripsReasoning:
            let text = block["thinking"]?.stringValue ?? ""
            self.blocks[index] = .thinking(text: text)
            if !text.isEmpty { self.writeChunk(delta: ["reasoning_content": .string(text)], into: &output) }
        case "redacted_thinking" where !self.stripsReasoning:
            self.blocks[index] = .ignored
            self.writeChunk(delta: ["thinking_blocks": [block]], into: &output)
        default:
            self.blocks[index] = .ignored
        }
    }

    private mutating func apply(_ delta: JSONValue, toBlockAt index: Int, into output: inout [UInt8]) {
        switch (self.blocks[index], delta["type"]?.stringValue) {
        case (.text, "text_delta"):
            guard let text = delta["text"]?.stringValue, !text.isEmpty else { return }
            self.writeChunk(delta: ["content": .string(text)], into: &output)
        case (.tool(let toolIndex), "input_json_delta"):
            guard let fragment = delta["partial_json"]?.stringValue, !fragment.isEmpty else { return }
            let call: JSONValue = ["index": .integer(toolIndex), "function": ["arguments": .string(fragment)]]
            self.writeChunk(delta: ["tool_calls": [call]], into: &output)
        case (.thinking(let soFar), "thinking_delta"):
            guard let text = delta["thinking"]?.stringValue, !text.isEmpty else { return }
            self.blocks[index] = .thinking(text: soFar + text)
            self.writeChunk(delta: ["reasoning_content": .string(text)], into: &output)
        case (.thinking(let text), "signature_delta"):
            let block: JSONValue = ["type": "thinking", "thinking": .string(text), "signature": delta["signature"] ?? ""]
            self.writeChunk(delta: ["thinking_blocks": [block]], into: &output)
        default:
            break
        }
    }

    private mutating func finish(into output: inout [UInt8]) {
        let finishReason = self.stopReason.map { JSONValue.string(StopReasonMapping.finishReason(forStopReason: $0)) } ?? .null
        self.writeChunk(delta: [:], finishReason: finishReason, into: &output)
        if self.includeUsage, let usage = self.usage {
            var chunk = ObjectBuilder()
            chunk.set("id", .string(self.id))
            chunk.set("object", "chat.completion.chunk")
            chunk.set("created", .integer(self.created))
            chunk.set("model", .string(self.publicModel))
            chunk.set("choices", [])
            chunk.set("usage", usage.openAIJSON)
            output.append(contentsOf: "data: ".utf8)
            chunk.object.write(into: &output)
            output.append(contentsOf: "\n\n".utf8)
        }
        output.append(contentsOf: "data: [DONE]\n\n".utf8)
        self.isComplete = true
    }

    /// Anthropic reports input counts in `message_start` and cumulative output counts in
    /// `message_delta`; a later count replaces an earlier one of the same name.
    private mutating func mergeUsage(_ fields: [(key: String, value: JSONValue)]) {
        for field in fields where field.value.intValue != nil {
            if let existing = self.anthropicUsage.firstIndex(where: { $0.key == field.key }) {
                self.anthropicUsage[existing].value = field.value
            } else {
                self.anthropicUsage.append(field)
            }
        }
        self.usage = Usage(anthropicUsage: .object(self.anthropicUsage))
    }

    private static func chunkHead(id: String, publicModel: String, created: Int) -> [UInt8] {
        Array(#"data: {"id":\#(JSONString.quoted(id)),"object":"chat.completion.chunk","created":\#(created),"model":\#(JSONString.quoted(publicModel)),"choices":[{"index":0,"delta":"#.utf8)
    }

    private func writeChunk(delta: JSONValue, finishReason: JSONValue = .null, into output: inout [UInt8]) {
        output.append(contentsOf: self.chunkHead)
        delta.write(into: &output)
        output.append(contentsOf: #","logprobs":null,"finish_reason":"#.utf8)
        finishReason.write(into: &output)
        output.append(contentsOf: "}]}\n\n".utf8)
    }
}
