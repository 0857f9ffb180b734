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
    /// OpenAI's own answers do not say whether a stop sequence ended the turn; a choice that
    /// does (`stop_reason`, see ``matchedStopSequence(forConverseStopReason:additionalFields:)``)
    /// is read by ``stopReason(forFinishReason:matchedStop:)``.
    public static func stopReason(forFinishReason finishReason: String) -> String {
        switch finishReason {
        case "length": "max_tokens"
        case "tool_calls", "function_call": "tool_use"
        case "content_filter": "refusal"
        default: "end_turn"
        }
    }

    /// The Anthropic `stop_reason` and `stop_sequence` for an OpenAI choice's `finish_reason` and
    /// its `stop_reason`, the extension (vLLM's, and Sluice's own for Bedrock) that names the
    /// stop string which ended the turn: a string there with `stop` means `stop_sequence`, and
    /// the string, unless empty (matched, but not said which), is the `stop_sequence`. A number
    /// there is a stop token, which Anthropic counts as `end_turn`.
    public static func stopReason(forFinishReason finishReason: String, matchedStop: JSONValue?) -> (reason: String, sequence: String?) {
        guard finishReason == "stop", let matched = matchedStop?.stringValue else {
            return (Self.stopReason(forFinishReason: finishReason), nil)
        }
        return ("stop_sequence", matched.isEmpty ? nil : matched)
    }

    /// The choice's `stop_reason` extension for a Converse `stopReason`: for `stop_sequence`, the
    /// matched sequence when the answer's `additionalModelResponseFields` say it, else an empty
    /// string; nil for every other reason.
    public static func matchedStopSequence(forConverseStopReason stopReason: String?, additionalFields: JSONValue?) -> JSONValue? {
        guard stopReason == "stop_sequence" else { return nil }
        return .string(additionalFields?["stop_sequence"]?.stringValue ?? "")
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
