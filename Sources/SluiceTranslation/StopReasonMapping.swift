/// The OpenAI `finish_reason` and Anthropic `stop_reason` vocabularies, each in terms of the other.
public enum StopReasonMapping {
    /// The OpenAI `finish_reason` for an Anthropic `stop_reason`.
    ///
    /// | Anthropic | OpenAI |
    /// |---|---|
    /// | `end_turn`, `stop_sequence`, `pause_turn` | `stop` |
    /// | `max_tokens`, `model_context_window_exceeded` | `length` |
    /// | `tool_use` | `tool_calls` |
    /// | `refusal` | `content_filter` |
    ///
    /// `pause_turn` (a server tool loop paused) has no OpenAI counterpart; the turn ends as `stop`.
    public static func finishReason(forStopReason stopReason: String) -> String {
        switch stopReason {
        case "max_tokens", "model_context_window_exceeded": "length"
        case "tool_use": "tool_calls"
        case "refusal": "content_filter"
        default: "stop"
        }
    }

    /// The Anthropic `stop_reason` for an OpenAI `finish_reason`.
    ///
    /// | OpenAI | Anthropic |
    /// |---|---|
    /// | `stop` | `end_turn` |
    /// | `length` | `max_tokens` |
    /// | `tool_calls`, `function_call` | `tool_use` |
    /// | `content_filter` | `refusal` |
    ///
    /// OpenAI does not say whether a stop sequence ended the turn, so `stop_sequence` never appears.
    public static func stopReason(forFinishReason finishReason: String) -> String {
        switch finishReason {
        case "length": "max_tokens"
        case "tool_calls", "function_call": "tool_use"
        case "content_filter": "refusal"
        default: "end_turn"
        }
    }

    /// The OpenAI `finish_reason` for a Bedrock Converse `stopReason`.
    ///
    /// | Converse | OpenAI |
    /// |---|---|
    /// | `end_turn`, `stop_sequence` | `stop` |
    /// | `max_tokens`, `model_context_window_exceeded` | `length` |
    /// | `tool_use` | `tool_calls` |
    /// | `guardrail_intervened`, `content_filtered` | `content_filter` |
    public static func finishReason(forConverseStopReason stopReason: String) -> String {
        switch stopReason {
        case "max_tokens", "model_context_window_exceeded": "length"
        case "tool_use": "tool_calls"
        case "guardrail_intervened", "content_filtered": "content_filter"
        default: "stop"
        }
    }
}
