/// The OpenAI `finish_reason` for a Gemini `finishReason`.
///
/// | Gemini | OpenAI |
/// |---|---|
/// | `STOP` | `stop`, or `tool_calls` when the answer calls functions |
/// | `MAX_TOKENS` | `length` |
/// | `SAFETY`, `RECITATION`, `BLOCKLIST`, `PROHIBITED_CONTENT`, `SPII`, `IMAGE_SAFETY` | `content_filter` |
/// | anything else | `stop` |
enum GeminiFinishReason {
    static func openAI(_ finishReason: String, callsFunctions: Bool) -> String {
        switch finishReason {
        case "MAX_TOKENS": "length"
        case _ where Self.isFiltered(finishReason): "content_filter"
        default: callsFunctions ? "tool_calls" : "stop"
        }
    }

    /// Whether Gemini stopped because a filter blocked the answer.
    static func isFiltered(_ finishReason: String) -> Bool {
        ["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"].contains(finishReason)
    }
}
