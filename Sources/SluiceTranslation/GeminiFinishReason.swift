/// The OpenAI `finish_reason` for a Gemini `finishReason`.
///
/// | Gemini | OpenAI |
/// |---|---|
/// | `STOP` | `stop`, or `tool_calls` when the answer calls functions |
/// | `MAX_TOKENS` | `length` |
/// | `SAFETY`, `RECITATION`, `BLOCKLIST`, `PROHIBITED_CONTENT`, `SPII`, `IMAGE_SAFETY` | `content_filter` |
/// | anything else | `stop` |
///
/// `MALFORMED_FUNCTION_CALL` and `UNEXPECTED_TOOL_CALL` (``isFailedToolCall(_:)``) do not end an
/// answer the client can use: the translators turn them into an error instead.
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

    /// Whether Gemini stopped because the function call the model wrote was invalid, or named
    /// no declared function.
    static func isFailedToolCall(_ finishReason: String) -> Bool {
        finishReason == "MALFORMED_FUNCTION_CALL" || finishReason == "UNEXPECTED_TOOL_CALL"
    }
}
