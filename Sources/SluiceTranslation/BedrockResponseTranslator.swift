import SluiceCore

/// Turns a Bedrock Converse response into an OpenAI chat completion.
///
/// Text blocks of `output.message.content` join into `content`; `toolUse` blocks become
/// `tool_calls` (ids from `toolUseId`, input as a JSON string); `reasoningContent` text becomes
/// `reasoning_content`. `stopReason` maps through ``StopReasonMapping``, `usage` through
/// ``Usage``; a stop sequence's end is also told in the choice's `stop_reason` (the matched
/// sequence, or an empty string when Bedrock does not say it), which ``OpenAIResponseTranslator``
/// turns into Anthropic's `stop_sequence`. Converse answers carry no id, so the caller supplies one.
public enum BedrockResponseTranslator {
    /// Translates `body`.
    /// - Parameters:
    ///   - id: the completion's id.
    ///   - publicModel: the model name the client asked for.
    ///   - created: the Unix time of the completion.
    public static func translate(
        converseResponse body: some Collection<UInt8>, id: String, publicModel: String, created: Int
    ) throws(TranslationError) -> TranslatedResponse {
        let response: JSONValue
        do {
            response = try JSONValue.parseObject(body)
        } catch {
            throw TranslationError.upstreamInvalid("the upstream's Converse response is not valid JSON (\(error.reason))")
        }
        guard let blocks = response["output"]?["message"]?["content"]?.arrayValue else {
            throw TranslationError.upstreamInvalid("the upstream's answer is not a Converse response")
        }
        var text = ""
        var hasText = false
        var reasoning = ""
        var hasReasoning = false
        var toolCalls: [JSONValue] = []
        for block in blocks {
            if let blockText = block["text"]?.stringValue {
                text += blockText
                hasText = true
            } else if let toolUse = block["toolUse"] {
                toolCalls.append([
                    "id": toolUse["toolUseId"] ?? "",
                    "type": "function",
                    "function": [
                        "name": toolUse["name"] ?? "",
                        "arguments": .string(String(decoding: (toolUse["input"] ?? [:]).serialized, as: UTF8.self)),
                    ],
                ])
            } else if let reasoningText = block["reasoningContent"]?["reasoningText"]?["text"]?.stringValue {
                reasoning += reasoningText
                hasReasoning = true
            }
        }
        var reply = ObjectBuilder()
        reply.set("role", "assistant")
        reply.set("content", hasText ? .string(text) : .null)
        reply.set("refusal", .null)
        if !toolCalls.isEmpty { reply.set("tool_calls", .array(toolCalls)) }
        if hasReasoning { reply.set("reasoning_content", .string(reasoning)) }
        let finishReason = response["stopReason"]?.stringValue
            .map { JSONValue.string(StopReasonMapping.finishReason(forConverseStopReason: $0)) } ?? .null
        let usage = response["usage"].map(Usage.init(converseUsage:))
        var completion = ObjectBuilder()
        completion.set("id", .string(id))
        completion.set("object", "chat.completion")
        completion.set("created", .integer(created))
        completion.set("model", .string(publicModel))
        var choice = ObjectBuilder()
        choice.set("index", 0)
        choice.set("message", reply.object)
        choice.set("logprobs", .null)
        choice.set("finish_reason", finishReason)
        choice.set("stop_reason", StopReasonMapping.matchedStopSequence(
            forConverseStopReason: response["stopReason"]?.stringValue, additionalFields: response["additionalModelResponseFields"]))
        completion.set("choices", [choice.object])
        completion.set("usage", usage?.openAIJSON)
        return TranslatedResponse(body: completion.object.serialized, usage: usage)
    }
}
