import SluiceCore

/// Token counts in each dialect's shape.
///
/// Anthropic (and Bedrock's Converse) counts cache reads and cache writes apart from `input_tokens`; OpenAI's
/// `prompt_tokens` includes them, with the cache reads repeated as `cached_tokens`.
extension Usage {
    /// Reads an Anthropic `usage` object (the one-hour share of the cache writes from its
    /// `cache_creation`); fields it lacks count as zero.
    init(anthropicUsage usage: JSONValue) {
        func count(_ key: String) -> Int { usage[key]?.intValue ?? 0 }
        self.init(
            uncachedInput: count("input_tokens"), cacheRead: count("cache_read_input_tokens"), cacheWrite: count("cache_creation_input_tokens"),
            oneHourCacheWrite: usage["cache_creation"]?["ephemeral_1h_input_tokens"]?.intValue ?? 0, output: count("output_tokens")
        )
    }

    /// Reads a Bedrock Converse `usage` object, whose `inputTokens` leave out cache reads and
    /// writes as Anthropic's do; fields it lacks count as zero.
    init(converseUsage usage: JSONValue) {
        func count(_ key: String) -> Int { usage[key]?.intValue ?? 0 }
        self.init(
            uncachedInput: count("inputTokens"), cacheRead: count("cacheReadInputTokens"), cacheWrite: count("cacheWriteInputTokens"),
            output: count("outputTokens")
        )
    }

    /// Reads an OpenAI `usage` object; fields it lacks count as zero.
    init(openAIUsage usage: JSONValue) {
        self.init(
            promptTokens: usage["prompt_tokens"]?.intValue ?? 0,
            completionTokens: usage["completion_tokens"]?.intValue ?? 0,
            cachedPromptTokens: usage["prompt_tokens_details"]?["cached_tokens"]?.intValue ?? 0,
            cacheWritePromptTokens: usage["prompt_tokens_details"]?["cache_write_tokens"]?.intValue ?? 0
        )
    }

    /// OpenAI's shape, with cache writes (when there are any) where OpenAI-compatible services
    /// that resell Anthropic's caching report them: `prompt_tokens_details.cache_write_tokens`.
    var openAIJSON: JSONValue {
        let details: JSONValue = self.cacheWritePromptTokens > 0
            ? ["cached_tokens": .integer(self.cachedPromptTokens), "cache_write_tokens": .integer(self.cacheWritePromptTokens)]
            : ["cached_tokens": .integer(self.cachedPromptTokens)]
        return [
            "prompt_tokens": .integer(self.promptTokens),
            "completion_tokens": .integer(self.completionTokens),
            "total_tokens": .integer(self.totalTokens),
            "prompt_tokens_details": details,
        ]
    }

    var anthropicJSON: JSONValue {
        [
            "input_tokens": .integer(self.promptTokens - self.cachedPromptTokens - self.cacheWritePromptTokens),
            "cache_creation_input_tokens": .integer(self.cacheWritePromptTokens),
            "cache_read_input_tokens": .integer(self.cachedPromptTokens),
            "output_tokens": .integer(self.completionTokens),
        ]
    }
}
