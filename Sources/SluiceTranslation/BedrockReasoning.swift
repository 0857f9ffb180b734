/// Reasoning on Bedrock: Converse has no field of its own for it, so OpenAI's `reasoning_effort`
/// goes in `additionalModelRequestFields`, in the shape of the model family that takes one.
///
/// | family (model id contains) | field | effort becomes |
/// |---|---|---|
/// | `anthropic.claude` | `thinking` | `{"type":"enabled","budget_tokens":…}`, the budgets of ``AnthropicRequestTranslator/thinkingBudget(for:)`` |
/// | `amazon.nova-2` | `reasoningConfig` | `{"type":"enabled","maxReasoningEffort":…}`: `low` (for `minimal` and `low`), `medium`, `high` (for `high` and `xhigh`) |
///
/// `none` asks for nothing on every model; any other effort on a model outside the table is
/// refused naming `reasoning_effort`.
enum BedrockReasoning {
    enum Family {
        case claude
        case nova2
        case other

        /// The family of the Bedrock model (or inference profile) id `model`.
        init(model: String) {
            if model.contains("anthropic.claude") {
                self = .claude
            } else if model.contains("amazon.nova-2") {
                self = .nova2
            } else {
                self = .other
            }
        }
    }

    /// The `additionalModelRequestFields` members for `effort`, and the `maxTokens` to send
    /// (Claude's thinking counts toward it, so a request without one gets room for both).
    /// - Parameters:
    ///   - maxTokens: the client's `max_completion_tokens` or `max_tokens`.
    ///   - defaultAnswerTokens: the room left for the answer when the client set no maximum.
    static func fields(
        effort: String, family: Family, maxTokens: Int?, defaultAnswerTokens: Int = 4096
    ) throws(TranslationError) -> (fields: [(key: String, value: JSONValue)], maxTokens: Int?) {
        let efforts = ["none", "minimal", "low", "medium", "high", "xhigh"]
        guard efforts.contains(effort) else {
            throw TranslationError.invalidRequest("'reasoning_effort' must be one of none, minimal, low, medium, high, xhigh", param: "reasoning_effort")
        }
        guard effort != "none" else { return ([], maxTokens) }
        switch family {
        case .claude:
            guard var budget = AnthropicRequestTranslator.thinkingBudget(for: effort) else { return ([], maxTokens) }
            let limit = maxTokens ?? budget + defaultAnswerTokens
            budget = min(budget, limit - 1)
            guard budget >= AnthropicRequestTranslator.minimumThinkingBudget else {
                throw TranslationError.invalidRequest(
                    "'reasoning_effort' needs 'max_completion_tokens' above \(AnthropicRequestTranslator.minimumThinkingBudget): the model's thinking counts toward it",
                    param: "reasoning_effort")
            }
            return ([(key: "thinking", value: ["type": "enabled", "budget_tokens": .integer(budget)])], limit)
        case .nova2:
            let level = ["minimal": "low", "low": "low", "medium": "medium", "high": "high", "xhigh": "high"][effort] ?? "medium"
            return ([(key: "reasoningConfig", value: ["type": "enabled", "maxReasoningEffort": .string(level)])], maxTokens)
        case .other:
            throw TranslationError.unsupported("reasoning_effort", "this Bedrock model takes no reasoning setting through the gateway")
        }
    }
}
