import SluiceCore

/// Token counts in the Responses shape.
extension Usage {
    /// `usage` of a `response` object; `reasoningTokens` (the chat usage's
    /// `completion_tokens_details.reasoning_tokens`) is kept within the output tokens.
    func responsesJSON(reasoningTokens: Int) -> JSONValue {
        var inputDetails = ObjectBuilder()
        inputDetails.set("cached_tokens", .integer(self.cachedPromptTokens))
        if self.cacheWritePromptTokens > 0 { inputDetails.set("cache_write_tokens", .integer(self.cacheWritePromptTokens)) }
        return [
            "input_tokens": .integer(self.promptTokens),
            "input_tokens_details": inputDetails.object,
            "output_tokens": .integer(self.completionTokens),
            "output_tokens_details": ["reasoning_tokens": .integer(min(Usage.clamped(reasoningTokens), self.completionTokens))],
            "total_tokens": .integer(self.totalTokens),
        ]
    }

    /// The reasoning tokens of a chat `usage` object, 0 when it reports none.
    static func reasoningTokens(inOpenAIUsage usage: JSONValue) -> Int {
        usage["completion_tokens_details"]?["reasoning_tokens"]?.intValue ?? 0
    }
}
