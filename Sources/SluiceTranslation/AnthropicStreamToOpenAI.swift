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
///
/// String literals are copied from the upstream's events as they are, never decoded and escaped
/// again.
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
        /// The block's thinking so far, as escaped JSON string contents.
        case thinking(escapedText: [UInt8])
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
        // Moved out while in use, so the buffer is not copied and the events can change `self`.
        var events = self.events
        self.events = SSEEventBuffer()
        defer { self.events = events }
        try events.append(bytes) { data throws(TranslationError) in try self.translate(data, into: &output) }
        return output
    }

    private mutating func translate(_ data: UnsafeRawBufferPointer, into output: inout [UInt8]) throws(TranslationError) {
        let event: JSONObjectSlice
        do {
            event = try JSONSlice.validatedObject(data)
        } catch {
            throw TranslationError.upstreamInvalid("the upstream sent a stream event that is not valid JSON (\(error.reason))")
        }
        guard let type = event["type"] else { return }
        if type.isString("content_block_delta") {
            guard let index = event["index"]?.integer, let delta = event["delta"]?.object else { return }
            self.apply(delta, toBlockAt: index, into: &output)
        } else if type.isString("content_block_start") {
            guard let index = event["index"]?.integer, let block = event["content_block"]?.object else { return }
            self.start(block, at: index, into: &output)
        } else if type.isString("content_block_stop") {
            guard let index = event["index"]?.integer else { return }
            self.blocks[index] = nil
        } else if type.isString("message_start") {
            let message = event["message"]?.object
            self.id = message?["id"]?.string ?? ""
            self.chunkHead = Self.chunkHead(id: self.id, publicModel: self.publicModel, created: self.created)
            if let usage = message?["usage"]?.value.objectMembers { self.mergeUsage(usage) }
            self.writeChunk(delta: #"{"role":"assistant","content":""}"#, into: &output)
        } else if type.isString("message_delta") {
            if let reason = event["delta"]?.object?["stop_reason"]?.string { self.stopReason = reason }
            if let usage = event["usage"]?.value.objectMembers { self.mergeUsage(usage) }
        } else if type.isString("message_stop") {
            self.finish(into: &output)
        } else if type.isString("error") {
            let error = AnthropicErrorMapping.gatewayError(status: 0, anthropicBody: data)
            self.upstreamError = error
            output.append(contentsOf: error.streamEvent.utf8)
        }
    }

    private mutating func start(_ block: JSONObjectSlice, at index: Int, into output: inout [UInt8]) {
        guard let type = block["type"] else { return }
        if type.isString("text") {
            self.blocks[index] = .text
            if let text = block["text"], text.isNonEmptyString { self.writeChunk(member: "content", text.raw, into: &output) }
        } else if type.isString("tool_use") {
            let toolIndex = self.nextToolIndex
            self.nextToolIndex += 1
            self.blocks[index] = .tool(index: toolIndex)
            var delta: [UInt8] = []
            delta.append(#"{"tool_calls":[{"index":"#)
            delta.append(integer: toolIndex)
            delta.append(#","id":"#)
            Self.appendString(block["id"], to: &delta)
            delta.append(#","type":"function","function":{"name":"#)
            Self.appendString(block["name"], to: &delta)
            delta.append(#","arguments":""}}]}"#)
            self.writeChunk(delta: delta, into: &output)
        } else if type.isString("thinking"), !self.stripsReasoning {
            let text = block["thinking"]
            self.blocks[index] = .thinking(escapedText: text.map { Array($0.rawContents) } ?? [])
            if let text, text.isNonEmptyString { self.writeChunk(member: "reasoning_content", text.raw, into: &output) }
        } else if type.isString("redacted_thinking"), !self.stripsReasoning {
            self.blocks[index] = .ignored
            var delta: [UInt8] = []
            delta.append(#"{"thinking_blocks":["#)
            delta.append(contentsOf: block.value.serialized)
            delta.append("]}")
            self.writeChunk(delta: delta, into: &output)
        } else {
            self.blocks[index] = .ignored
        }
    }

    private mutating func apply(_ delta: JSONObjectSlice, toBlockAt index: Int, into output: inout [UInt8]) {
        guard let type = delta["type"], let block = self.blocks[index] else { return }
        switch block {
        case .text:
            guard type.isString("text_delta"), let text = delta["text"], text.isNonEmptyString else { return }
            self.writeChunk(member: "content", text.raw, into: &output)
        case .tool(let toolIndex):
            guard type.isString("input_json_delta"), let fragment = delta["partial_json"], fragment.isNonEmptyString else { return }
            var chunk: [UInt8] = []
            chunk.append(#"{"tool_calls":[{"index":"#)
            chunk.append(integer: toolIndex)
            chunk.append(#","function":{"arguments":"#)
            chunk.append(fragment.raw)
            chunk.append("}}]}")
            self.writeChunk(delta: chunk, into: &output)
        case .thinking(var soFar):
            if type.isString("thinking_delta") {
                guard let text = delta["thinking"], text.isNonEmptyString else { return }
                soFar.append(text.rawContents)
                self.blocks[index] = .thinking(escapedText: soFar)
                self.writeChunk(member: "reasoning_content", text.raw, into: &output)
            } else if type.isString("signature_delta") {
                var chunk: [UInt8] = []
                chunk.append(#"{"thinking_blocks":[{"type":"thinking","thinking":""#)
                chunk.append(contentsOf: soFar)
                chunk.append(#"","signature":"#)
                Self.appendString(delta["signature"], to: &chunk)
                chunk.append("}]}")
                self.writeChunk(delta: chunk, into: &output)
            }
        case .ignored:
            return
        }
    }

    private mutating func finish(into output: inout [UInt8]) {
        let finishReason = self.stopReason.map { JSONValue.string(StopReasonMapping.finishReason(forStopReason: $0)) } ?? .null
        output.append(contentsOf: self.chunkHead)
        output.append(#"{},"logprobs":null,"finish_reason":"#)
        finishReason.write(into: &output)
        output.append("}]}\n\n")
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
    }

    /// Anthropic reports input counts in `message_start` and cumulative output counts in
    /// `message_delta`; a later count (or `cache_creation` breakdown) replaces an earlier one of the same name.
    private mutating func mergeUsage(_ fields: [(key: String, value: JSONValue)]) {
        for field in fields where field.value.intValue != nil || (field.key == "cache_creation" && field.value.objectMembers != nil) {
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

    /// Appends a string member's literal, or `""` when it is missing or not a string.
    private static func appendString(_ value: JSONSlice?, to output: inout [UInt8]) {
        guard let value, value.isString else {
            output.append(#""""#)
            return
        }
        output.append(value.raw)
    }

    /// Writes a chunk whose delta has the one member `name` with the JSON text `value`.
    private func writeChunk(member name: StaticString, _ value: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        output.append(contentsOf: self.chunkHead)
        output.append("{\"")
        output.append(name)
        output.append("\":")
        output.append(value)
        output.append(#"},"logprobs":null,"finish_reason":null}]}"#)
        output.append("\n\n")
    }

    private func writeChunk(delta: StaticString, into output: inout [UInt8]) {
        output.append(contentsOf: self.chunkHead)
        output.append(delta)
        output.append(#","logprobs":null,"finish_reason":null}]}"#)
        output.append("\n\n")
    }

    private func writeChunk(delta: [UInt8], into output: inout [UInt8]) {
        output.append(contentsOf: self.chunkHead)
        output.append(contentsOf: delta)
        output.append(#","logprobs":null,"finish_reason":null}]}"#)
        output.append("\n\n")
    }
}
