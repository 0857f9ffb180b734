import SluiceCore

/// Turns an OpenAI chat completion into an Anthropic Messages response.
///
/// The first choice's reasoning (`reasoning_content`, `reasoning`, or `<think>` sections of its
/// content when the policy parses them) becomes a `thinking` block with an empty signature, its
/// text a `text` block, its tool calls `tool_use` blocks, and a `refusal` a text block with the
/// `refusal` stop reason. A choice whose `stop_reason` names the stop string that ended it ends
/// with `stop_sequence` (``StopReasonMapping/stopReason(forFinishReason:matchedStop:)``).
public enum OpenAIResponseTranslator {
    /// Translates `body`.
    /// - Parameter publicModel: the model name the client asked for.
    public static func translate(
        openAIChat body: some Collection<UInt8>, publicModel: String, reasoning: ReasoningPolicy = .passThrough
    ) throws(TranslationError) -> TranslatedResponse {
        let completion: JSONValue
        do {
            completion = try JSONValue.parseObject(body)
        } catch {
            throw TranslationError.upstreamInvalid("the upstream's completion is not valid JSON (\(error.reason))")
        }
        guard let choice = completion["choices"]?.arrayValue?.first, let message = choice["message"] else {
            throw TranslationError.upstreamInvalid("the upstream's completion has no choice")
        }
        var content = AnthropicContentBlocks(policy: reasoning)
        content.add(reasoning: message.present("reasoning_content")?.stringValue ?? message.present("reasoning")?.stringValue)
        content.add(text: message.present("content")?.stringValue)
        content.finish()
        var blocks = content.blocks
        let stop = choice["finish_reason"]?.stringValue.map { StopReasonMapping.stopReason(forFinishReason: $0, matchedStop: choice.present("stop_reason")) }
        var stopReason = stop?.reason
        if let refusal = message.present("refusal")?.stringValue {
            blocks.append(["type": "text", "text": .string(refusal)])
            stopReason = "refusal"
        }
        for (index, call) in (message["tool_calls"]?.arrayValue ?? []).enumerated() {
            let arguments = call["function"]?["arguments"]?.stringValue ?? ""
            let input: JSONValue
            if arguments.isBlank {
                input = [:]
            } else if let parsed = try? JSONValue.parseObject(arguments.utf8) {
                input = parsed
            } else {
                throw TranslationError.upstreamInvalid("the upstream's tool call \(index) has arguments that are not a JSON object")
            }
            blocks.append(["type": "tool_use", "id": call["id"] ?? "", "name": call["function"]?["name"] ?? "", "input": input])
        }
        let usage = completion.present("usage").map(Usage.init(openAIUsage:))
        var result = ObjectBuilder()
        result.set("id", completion["id"] ?? "")
        result.set("type", "message")
        result.set("role", "assistant")
        result.set("model", .string(publicModel))
        result.set("content", .array(blocks))
        result.set("stop_reason", stopReason.map(JSONValue.string) ?? .null)
        result.set("stop_sequence", stopReason == "stop_sequence" ? stop?.sequence.map(JSONValue.string) ?? .null : .null)
        result.set("usage", (usage ?? Usage(promptTokens: 0, completionTokens: 0)).anthropicJSON)
        return TranslatedResponse(body: result.object.serialized, usage: usage)
    }
}
