import SluiceCore

/// Gemini's `usageMetadata` in OpenAI's terms: `promptTokenCount` includes the cached
/// `cachedContentTokenCount`, and the completion is `candidatesTokenCount` plus the model's
/// `thoughtsTokenCount`.
extension Usage {
    /// Reads a Gemini `usageMetadata` object; fields it lacks count as zero.
    init(geminiUsage usage: JSONValue) {
        func count(_ key: String) -> Int { usage[key]?.intValue ?? 0 }
        self.init(
            promptTokens: count("promptTokenCount"),
            completionTokens: count("candidatesTokenCount") + count("thoughtsTokenCount"),
            cachedPromptTokens: count("cachedContentTokenCount")
        )
    }
}
