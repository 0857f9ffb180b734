import SluiceCore

/// Translates Bedrock ConverseStream events into OpenAI chat completion chunks.
///
/// Each event comes decoded from its event-stream frame: the `:event-type` and the JSON payload.
/// `messageStart` opens the assistant message; text deltas become `content`, `reasoningContent`
/// deltas `reasoning_content`, and each `toolUse` block one tool call streamed as OpenAI does:
/// `id`, `type` and `function.name` on its first fragment (from `contentBlockStart`), then
/// `function.arguments` fragments under the same `index`. `messageStop` sends the
/// `finish_reason` chunk; `metadata`, which follows it, the usage chunk when the client asked for
/// it, and `data: [DONE]`. An exception frame becomes an OpenAI error event, after which nothing
/// more is sent.
public struct BedrockStreamToOpenAI: Sendable {
    private let id: String
    private let publicModel: String
    private let created: Int
    private let includeUsage: Bool

    private var toolIndexes: [Int: Int] = [:]
    private var stopped = false

    /// The token counts the upstream reported (in its `metadata` event).
    public private(set) var usage: Usage?
    /// Whether the stream ended as Bedrock ends a message, `data: [DONE]` sent.
    public private(set) var isComplete = false
    /// The exception the upstream reported mid-stream, in the OpenAI shape.
    public private(set) var upstreamError: GatewayError?

    /// - Parameters:
    ///   - id: the completion id put in every chunk (Converse streams carry none).
    ///   - publicModel: the model name the client asked for.
    ///   - created: the Unix time put in every chunk.
    ///   - includeUsage: whether the client asked for the usage chunk (`stream_options.include_usage`).
    public init(id: String, publicModel: String, created: Int, includeUsage: Bool) {
        self.id = id
        self.publicModel = publicModel
        self.created = created
        self.includeUsage = includeUsage
    }

    /// The chunks for one event (possibly none).
    /// - Throws: when the payload is not a JSON object.
    public mutating func translate(eventType: String, payload: some Collection<UInt8>) throws(TranslationError) -> [UInt8] {
        guard self.upstreamError == nil, !self.isComplete else { return [] }
        let event: JSONValue
        do {
            event = try JSONValue.parseObject(payload)
        } catch {
            throw TranslationError.upstreamInvalid("the upstream sent a \(eventType) event that is not valid JSON (\(error.reason))")
        }
        var output: [UInt8] = []
        switch eventType {
        case "messageStart":
            self.writeChunk(delta: ["role": "assistant", "content": ""], into: &output)
        case "contentBlockStart":
            guard let index = event["contentBlockIndex"]?.intValue, let toolUse = event["start"]?["toolUse"] else { break }
            let toolIndex = self.toolIndexes.count
            self.toolIndexes[index] = toolIndex
            self.writeChunk(delta: ["tool_calls": [[
                "index": .integer(toolIndex), "id": toolUse["toolUseId"] ?? "", "type": "function",
                "function": ["name": toolUse["name"] ?? "", "arguments": ""],
            ]]], into: &output)
        case "contentBlockDelta":
            guard let delta = event["delta"] else { break }
            if let text = delta["text"]?.stringValue, !text.isEmpty {
                self.writeChunk(delta: ["content": .string(text)], into: &output)
            } else if let fragment = delta["toolUse"]?["input"]?.stringValue, !fragment.isEmpty,
                let index = event["contentBlockIndex"]?.intValue, let toolIndex = self.toolIndexes[index]
            {
                self.writeChunk(delta: ["tool_calls": [["index": .integer(toolIndex), "function": ["arguments": .string(fragment)]]]], into: &output)
            } else if let reasoning = delta["reasoningContent"]?["text"]?.stringValue, !reasoning.isEmpty {
                self.writeChunk(delta: ["reasoning_content": .string(reasoning)], into: &output)
            }
        case "messageStop":
            self.stopped = true
            let finishReason = event["stopReason"]?.stringValue.map { JSONValue.string(StopReasonMapping.finishReason(forConverseStopReason: $0)) } ?? .null
            let matchedStop = StopReasonMapping.matchedStopSequence(
                forConverseStopReason: event["stopReason"]?.stringValue, additionalFields: event["additionalModelResponseFields"])
            self.writeChunk(delta: [:], finishReason: finishReason, matchedStop: matchedStop, into: &output)
        case "metadata":
            if let usage = event["usage"] { self.usage = Usage(converseUsage: usage) }
            if self.stopped { self.finish(into: &output) }
        default:
            break
        }
        return output
    }

    /// The error event for an exception frame; the stream ends with it.
    public mutating func translate(exceptionType: String, payload: some Collection<UInt8>) -> [UInt8] {
        guard self.upstreamError == nil, !self.isComplete else { return [] }
        let error = BedrockErrorMapping.gatewayError(status: 0, exceptionType: exceptionType, body: payload)
        self.upstreamError = error
        return Array(error.streamEvent.utf8)
    }

    /// What to send when the upstream's body ends: `data: [DONE]` when the message stopped but
    /// no `metadata` event followed; nothing otherwise (a stream cut short stays unfinished).
    public mutating func upstreamEnded() -> [UInt8] {
        guard self.stopped, !self.isComplete, self.upstreamError == nil else { return [] }
        var output: [UInt8] = []
        self.finish(into: &output)
        return output
    }

    private mutating func finish(into output: inout [UInt8]) {
        if self.includeUsage, let usage = self.usage {
            var chunk = self.chunkHead()
            chunk.set("choices", [])
            chunk.set("usage", usage.openAIJSON)
            output.append("data: ")
            chunk.object.write(into: &output)
            output.append("\n\n")
        }
        output.append("data: [DONE]\n\n")
        self.isComplete = true
    }

    private func chunkHead() -> ObjectBuilder {
        var chunk = ObjectBuilder()
        chunk.set("id", .string(self.id))
        chunk.set("object", "chat.completion.chunk")
        chunk.set("created", .integer(self.created))
        chunk.set("model", .string(self.publicModel))
        return chunk
    }

    /// - Parameter matchedStop: the choice's `stop_reason` (see ``StopReasonMapping``), if any.
    private func writeChunk(delta: JSONValue, finishReason: JSONValue = .null, matchedStop: JSONValue? = nil, into output: inout [UInt8]) {
        var chunk = self.chunkHead()
        var choice = ObjectBuilder()
        choice.set("index", 0)
        choice.set("delta", delta)
        choice.set("logprobs", .null)
        choice.set("finish_reason", finishReason)
        choice.set("stop_reason", matchedStop)
        chunk.set("choices", [choice.object])
        output.append("data: ")
        chunk.object.write(into: &output)
        output.append("\n\n")
    }
}
