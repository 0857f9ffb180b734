/// Gemini's `thinkingConfig` for OpenAI's `reasoning_effort`.
///
/// Gemini 3 models take a `thinkingLevel`; earlier thinking models (2.5) a token
/// `thinkingBudget`. `includeThoughts` is set whenever the model thinks, so thought summaries come
/// back as `reasoning_content`.
///
/// | effort | `thinkingLevel` (Gemini 3) | `thinkingBudget` (2.5) |
/// |---|---|---|
/// | `none` | `minimal` | 0 (thinking off) |
/// | `minimal` | `minimal` | 1024 |
/// | `low` | `low` | 2048 |
/// | `medium` | `medium` | 8192 |
/// | `high` | `high` | 16384 |
/// | `xhigh` | `high` | 24576 (the largest every 2.5 model takes) |
///
/// Gemini 3 cannot turn thinking off, so `none` asks for the least; a level a model does not
/// offer (`minimal` on Gemini 3 Pro) is Gemini's to refuse.
enum GeminiThinking {
    /// Which of Gemini's two thinking controls a model takes.
    enum Control {
        case level
        case budget

        /// The control of the Gemini model named `model` (with or without `models/`): levels
        /// from Gemini 3 on, budgets before it.
        init(model: String) {
            let name = model.hasPrefix("models/") ? model.dropFirst("models/".count) : Substring(model)
            let isBudgetGeneration = ["gemini-1", "gemini-2"].contains { name.hasPrefix($0) }
            self = isBudgetGeneration ? .budget : .level
        }
    }

    /// The `thinkingConfig` for `effort`.
    /// - Throws: 400 naming `reasoning_effort` for an effort outside the table.
    static func config(effort: String, control: Control) throws(TranslationError) -> JSONValue {
        let levels = ["none": "minimal", "minimal": "minimal", "low": "low", "medium": "medium", "high": "high", "xhigh": "high"]
        let budgets = ["none": 0, "minimal": 1024, "low": 2048, "medium": 8192, "high": 16384, "xhigh": 24576]
        guard let level = levels[effort], let budget = budgets[effort] else {
            throw TranslationError.invalidRequest("'reasoning_effort' must be one of none, minimal, low, medium, high, xhigh", param: "reasoning_effort")
        }
        switch control {
        case .level: return ["thinkingLevel": .string(level), "includeThoughts": true]
        case .budget: return budget == 0 ? ["thinkingBudget": 0] : ["thinkingBudget": .integer(budget), "includeThoughts": true]
        }
    }
}
