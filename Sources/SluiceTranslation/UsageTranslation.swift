import SluiceCore

/// Token counts in each dialect's shape.
///
/// Anthropic (and Bedrock's Converse) counts cache reads and cache writes apart from `input_tokens`; OpenAI's
/// `prompt_tokens` includes them, with the cache reads repeated as `cached_tokens`.
extension Usage {
    /// Reads an Anthropic `usage` object; fields it lacks count as zero.
    init(anthropicUsage usage: JSONValue) {
        func count(_ key: String) -> Int { usage[key]?.intValue ?? 0 }
        let cacheRead = count("cache_read_input_tokens")
        self.init(
            promptTokens: [count("input_tokens"), cacheRead, count("cache_creation_input_tokens")].sumWithSaturation(),
            completionTokens: count("output_tokens"),
            cachedPromptTokens: cacheRead
        )
    }

    /// Reads a Bedrock Converse `usage` object, whose `inputTokens` leave out cache reads and
    /// writes as Anthropic's do; fields it lacks count as zero.
    init(converseUsage usage: JSONValue) {
        func count(_ key: String) -> Int { usage[key]?.intValue ?? 0 }
        let cacheRead = count("cacheReadInputTokens")
        self.init(
            promptTokens: [count("inputTokens"), cacheRead, count("cacheWriteInputTokens")].sumWithSaturation(),
            completionTokens: count("outputTokens"),
            cachedPromptTokens: cacheRead
        )
    }

    /// Reads an OpenAI `usage` object; fields it lacks count as zero.
    init(openAIUsage usage: JSONValue) {
        self.init(
            promptTokens: usage["prompt_tokens"]?.intValue ?? 0,
            completionTokens: usage["completion_tokens"]?.intValue ?? 0,
            cachedPromptTokens: usage["prompt_tokens_details"]?["cached_tokens"]?.intValue ?? 0
        )
    }

    var openAIJSON: JSONValue {
        [
            "prompt_tokens": .integer(self.promptTokens),
            "completion_tokens": .integer(self.completionTokens),
            "total_tokens": .integer(self.totalTokens),
            "prompt_tokens_details": ["cached_tokens": .integer(self.cachedPromptTokens)],
        ]
    }

    var anthropicJSON: JSONValue {
        [
            "input_tokens": .integer(self.promptTokens - self.cachedPromptTokens),
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": .integer(self.cachedPromptTokens),
            "output_tokens": .integer(self.completionTokens),
        ]
    }
}
