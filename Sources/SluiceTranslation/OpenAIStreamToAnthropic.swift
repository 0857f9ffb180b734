import SluiceCore

/// Translates an OpenAI chat completion chunk stream into an Anthropic Messages event stream,
/// fed the upstream's bytes in whatever pieces they arrive.
///
/// The first chunk opens the message (`message_start`). Each run of reasoning, text, or one
/// tool call becomes a content block (`content_block_start`, deltas, `content_block_stop`):
/// `thinking_delta`, `text_delta`, and `input_json_delta` with the argument fragments as
/// `partial_json`. `data: [DONE]` ends the message with `message_delta` (stop reason and usage)
/// and `message_stop`. The upstream should be asked for its usage chunk
/// (``OpenAIRequestTranslator`` does), or the counts are zero. An OpenAI error event becomes an
/// Anthropic `error` event.
public struct OpenAIStreamToAnthropic: Sendable {
    private let publicModel: String
    private let reasoning: ReasoningPolicy

    private var events = SSEEventBuffer()
    private var splitter: ReasoningSplitter?
    private var hasStarted = false
    private var openBlock: Block?
    private var nextBlockIndex = 0
    /// The Anthropic block index and call id of each OpenAI tool call index.
    private var toolBlocks: [Int: (blockIndex: Int, id: String)] = [:]
    private var stopReason: String?

    /// The token counts the upstream reported so far.
    public private(set) var usage: Usage?
    /// Whether the upstream finished the stream (`data: [DONE]`).
    public private(set) var isComplete = false
    /// The error the upstream reported mid-stream.
    public private(set) var upstreamError: GatewayError?

    private enum Block: Equatable {
        case text
        case thinking
        case tool(openAIIndex: Int)

        var isToolCall: Bool {
            if case .tool = self { return true }
            return false
        }
    }

    /// - Parameters:
    ///   - publicModel: the model name the client asked for.
    ///   - reasoning: where reasoning is found in the upstream's chunks, and whether it is kept.
    public init(publicModel: String, reasoning: ReasoningPolicy = .passThrough) {
        self.publicModel = publicModel
        self.reasoning = reasoning
        self.splitter = reasoning.makeSplitter()
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
        if event.data.elementsEqual("[DONE]".utf8) {
            self.finish(into: &output)
            return
        }
        let chunk: JSONValue
        do {
            chunk = try JSONValue.parseObject(event.data)
        } catch {
            throw TranslationError.upstreamInvalid("the upstream sent a stream event that is not valid JSON (\(error.reason))")
        }
        if let error = chunk.present("error") {
            let gatewayError = GatewayError.upstreamRejected(
                status: 502, message: error["message"]?.stringValue ?? "unspecified upstream error",
                type: error["type"]?.stringValue, code: error["code"]?.stringValue, param: error["param"]?.stringValue, retryAfter: nil)
            self.upstreamError = gatewayError
            output.append(contentsOf: AnthropicErrorMapping.streamEvent(for: gatewayError))
            return
        }
        self.startMessage(id: chunk["id"]?.stringValue, into: &output)
        if let usage = chunk.present("usage") { self.usage = Usage(openAIUsage: usage) }
        guard let choice = chunk["choices"]?.arrayValue?.first else { return }
        if let delta = choice.present("delta") {
            if let reasoning = delta.present("reasoning_content")?.stringValue ?? delta.present("reasoning")?.stringValue {
                self.append(.reasoning(reasoning), into: &output)
            }
            if let content = delta.present("content")?.stringValue {
                self.appendContent(content, into: &output)
            }
            for call in delta.present("tool_calls")?.arrayValue ?? [] {
                self.append(toolCall: call, into: &output)
            }
        }
        if let finishReason = choice.present("finish_reason")?.stringValue {
            self.flushSplitter(into: &output)
            self.closeBlock(into: &output)
            self.stopReason = StopReasonMapping.stopReason(forFinishReason: finishReason)
        }
    }

    private mutating func startMessage(id: String?, into output: inout [UInt8]) {
        guard !self.hasStarted else { return }
        self.hasStarted = true
        let message: JSONValue = [
            "id": .string(id ?? ""), "type": "message", "role": "assistant", "model": .string(self.publicModel),
            "content": [], "stop_reason": .null, "stop_sequence": .null,
            "usage": ["input_tokens": 0, "output_tokens": 0],
        ]
        Self.write("message_start", ["type": "message_start", "message": message], into: &output)
    }

    private mutating func appendContent(_ text: String, into output: inout [UInt8]) {
        guard var splitter = self.splitter else {
            self.append(.content(text), into: &output)
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
        switch segment {
        case .reasoning(let text):
            guard !text.isEmpty, !self.reasoning.strips else { return }
            let index = self.open(.thinking, ["type": "thinking", "thinking": "", "signature": ""], into: &output)
            Self.write("content_block_delta", [
                "type": "content_block_delta", "index": .integer(index), "delta": ["type": "thinking_delta", "thinking": .string(text)],
            ], into: &output)
        case .content(let text):
            guard !text.isEmpty else { return }
            let index = self.open(.text, ["type": "text", "text": ""], into: &output)
            Self.write("content_block_delta", [
                "type": "content_block_delta", "index": .integer(index), "delta": ["type": "text_delta", "text": .string(text)],
            ], into: &output)
        }
    }

    private mutating func append(toolCall call: JSONValue, into output: inout [UInt8]) {
        let openAIIndex = call["index"]?.intValue ?? 0
        let id = call.present("id")?.stringValue
        let blockIndex: Int
        if let existing = self.toolBlocks[openAIIndex], id == nil || id == existing.id {
            blockIndex = existing.blockIndex
        } else {
            self.flushSplitter(into: &output)
            let block: JSONValue = [
                "type": "tool_use", "id": .string(id ?? ""), "name": call["function"]?.present("name") ?? "", "input": [:],
            ]
            blockIndex = self.open(.tool(openAIIndex: openAIIndex), block, into: &output)
            self.toolBlocks[openAIIndex] = (blockIndex, id ?? "")
        }
        guard let fragment = call["function"]?.present("arguments")?.stringValue, !fragment.isEmpty else { return }
        Self.write("content_block_delta", [
            "type": "content_block_delta", "index": .integer(blockIndex),
            "delta": ["type": "input_json_delta", "partial_json": .string(fragment)],
        ], into: &output)
    }

    /// Returns the index of the open block of `kind`, closing another and starting one if need be.
    private mutating func open(_ kind: Block, _ contentBlock: JSONValue, into output: inout [UInt8]) -> Int {
        if self.openBlock == kind, !kind.isToolCall {
            return self.nextBlockIndex - 1
        }
        self.closeBlock(into: &output)
        let index = self.nextBlockIndex
        self.nextBlockIndex += 1
        self.openBlock = kind
        Self.write("content_block_start", ["type": "content_block_start", "index": .integer(index), "content_block": contentBlock], into: &output)
        return index
    }

    private mutating func closeBlock(into output: inout [UInt8]) {
        guard self.openBlock != nil else { return }
        self.openBlock = nil
        Self.write("content_block_stop", ["type": "content_block_stop", "index": .integer(self.nextBlockIndex - 1)], into: &output)
    }

    private mutating func finish(into output: inout [UInt8]) {
        self.startMessage(id: nil, into: &output)
        self.flushSplitter(into: &output)
        self.closeBlock(into: &output)
        let usage = self.usage ?? Usage(promptTokens: 0, completionTokens: 0)
        Self.write("message_delta", [
            "type": "message_delta",
            "delta": ["stop_reason": .string(self.stopReason ?? "end_turn"), "stop_sequence": .null],
            "usage": usage.anthropicJSON,
        ], into: &output)
        Self.write("message_stop", ["type": "message_stop"], into: &output)
        self.isComplete = true
    }

    private static func write(_ name: String, _ data: JSONValue, into output: inout [UInt8]) {
        output.append(contentsOf: "event: ".utf8)
        output.append(contentsOf: name.utf8)
        output.append(contentsOf: "\ndata: ".utf8)
        data.write(into: &output)
        output.append(contentsOf: "\n\n".utf8)
    }
}
