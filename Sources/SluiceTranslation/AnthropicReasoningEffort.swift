/// OpenAI's `reasoning_effort` for an Anthropic request's `thinking` and `output_config.effort`.
///
/// `thinking` decides whether the model reasons, the effort how much:
///
/// | `thinking.type` | `output_config.effort` | `reasoning_effort` |
/// |---|---|---|
/// | absent or `disabled` | any | not sent (the effort is ignored) |
/// | `enabled` | absent | from `budget_tokens`: up to 2048 `low`, up to 8192 `medium`, above `high` |
/// | `enabled` or `adaptive` | `low`, `medium`, `high` | the same word |
/// | `enabled` or `adaptive` | `xhigh`, `max` | `high` |
/// | `adaptive` | absent | `high` (Anthropic's default effort) |
///
/// `xhigh` and `max` become `high`, the highest effort every OpenAI-compatible server takes
/// (vLLM and SGLang accept only `low`, `medium` and `high`). `thinking.display` is accepted and
/// has no effect: a translated backend's reasoning comes back as thinking blocks either way.
enum AnthropicReasoningEffort {
    /// Anthropic's efforts, lowest first.
    static let efforts = ["low", "medium", "high", "xhigh", "max"]

    /// The `reasoning_effort` for `thinking` and `effort` (the request's members), or nil for none.
    /// - Throws: 400 naming the member for a thinking type, budget or effort Anthropic would refuse.
    static func reasoningEffort(thinking: JSONValue?, effort: JSONValue?) throws(TranslationError) -> String? {
        let requestedEffort = try effort.map { effort throws(TranslationError) in
            guard let word = effort.stringValue, Self.efforts.contains(word) else {
                throw TranslationError.invalidRequest("'output_config.effort' must be one of \(Self.efforts.joined(separator: ", "))", param: "output_config.effort")
            }
            return ["xhigh": "high", "max": "high"][word] ?? word
        }
        guard let thinking else { return nil }
        switch thinking["type"]?.stringValue {
        case "enabled":
            let minimum = AnthropicRequestTranslator.minimumThinkingBudget
            guard let budget = thinking.present("budget_tokens")?.intValue, budget >= minimum else {
                throw TranslationError.invalidRequest("'thinking.budget_tokens' must be an integer of at least \(minimum)", param: "thinking.budget_tokens")
            }
            return requestedEffort ?? OpenAIRequestTranslator.reasoningEffort(forThinkingBudget: budget)
        case "adaptive":
            return requestedEffort ?? "high"
        case "disabled":
            return nil
        default:
            throw TranslationError.invalidRequest("'thinking.type' must be enabled, adaptive or disabled", param: "thinking.type")
        }
    }
}
