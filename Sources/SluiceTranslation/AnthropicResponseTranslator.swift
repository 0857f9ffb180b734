import SluiceCore

/// Turns an Anthropic Messages response into an OpenAI chat completion.
///
/// Text blocks join into `content`; `tool_use` blocks become `tool_calls` with their input as a
/// JSON string; thinking becomes `reasoning_content`, and every `thinking` block (with its
/// signature) and `redacted_thinking` block is also kept whole in the message's `thinking_blocks`,
/// which ``AnthropicRequestTranslator`` sends back on the next turn.
public enum AnthropicResponseTranslator {
    /// Translates `body`.
    /// - Parameters:
    ///   - publicModel: the model name the client asked for.
    ///   - created: the Unix time of the completion.
    ///   - stripsReasoning: whether thinking is left out of the answer.
    public static func translate(
        anthropicMessage body: some Collection<UInt8>, publicModel: String, created: Int, stripsReasoning: Bool = false
    ) throws(TranslationError) -> TranslatedResponse {
        let message: JSONValue
        do {
            message = try JSONValue.parseObject(body)
        } catch {
            throw TranslationError.upstreamInvalid("the upstream's message is not valid JSON (\(error.reason))")
        }
        guard message["type"]?.stringValue == "message", let blocks = message["content"]?.arrayValue else {
            throw TranslationError.upstreamInvalid("the upstream's answer is not an Anthropic message")
        }
        var text = ""
        var hasText = false
        var reasoningText = ""
        var thinkingBlocks: [JSONValue] = []
        var toolCalls: [JSONValue] = []
        for block in blocks {
            switch block["type"]?.stringValue {
            case "text":
                text += block["text"]?.stringValue ?? ""
                hasText = true
            case "tool_use":
                toolCalls.append([
                    "id": block["id"] ?? "",
                    "type": "function",
                    "function": ["name": block["name"] ?? "", "arguments": .string(String(decoding: (block["input"] ?? [:]).serialized, as: UTF8.self))],
                ])
            case "thinking" where !stripsReasoning:
                reasoningText += block["thinking"]?.stringValue ?? ""
                thinkingBlocks.append(block)
            case "redacted_thinking" where !stripsReasoning:
                thinkingBlocks.append(block)
            default:
                break
            }
        }
        var reply = ObjectBuilder()
        reply.set("role", "assistant")
        reply.set("content", hasText ? .string(text) : .null)
        reply.set("refusal", .null)
        if !toolCalls.isEmpty { reply.set("tool_calls", .array(toolCalls)) }
        if !thinkingBlocks.isEmpty {
            reply.set("reasoning_content", .string(reasoningText))
            reply.set("thinking_blocks", .array(thinkingBlocks))
        }
        let finishReason = message["stop_reason"]?.stringValue.map { JSONValue.string(StopReasonMapping.finishReason(forStopReason: $0)) } ?? .null
        let usage = message["usage"].map(Usage.init(anthropicUsage:))
        var completion = ObjectBuilder()
        completion.set("id", message["id"] ?? "")
        completion.set("object", "chat.completion")
        completion.set("created", .integer(created))
        completion.set("model", .string(publicModel))
        completion.set("choices", [["index": 0, "message": reply.object, "logprobs": .null, "finish_reason": finishReason]])
        completion.set("usage", usage?.openAIJSON)
        return TranslatedResponse(body: completion.object.serialized, usage: usage)
    }
}
