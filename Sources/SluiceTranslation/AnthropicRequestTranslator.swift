/// Turns an OpenAI chat completions request into an Anthropic Messages request.
///
/// - `system` and `developer` messages become the top-level `system` blocks, in order, wherever
///   they appear in the conversation.
/// - Consecutive messages of one role merge into one turn; `tool` messages become `tool_result`
///   blocks of a user turn.
/// - An assistant message's `thinking_blocks` (as ``AnthropicResponseTranslator`` writes them) go
///   back as `thinking` and `redacted_thinking` blocks with their signatures. Bare
///   `reasoning_content` without them is not sent: Anthropic accepts only signed thinking.
/// - `reasoning_effort` enables extended thinking with the budget of ``thinkingBudget(for:)``.
/// - `cache_control` on content parts and tools passes through.
/// - `user` (or else `safety_identifier`) becomes `metadata.user_id`.
/// - A `json_schema` `response_format` becomes structured outputs' `output_config.format`
///   (`{"type": "json_schema", "schema": …}`; the schema's `name` and `strict` have no place there:
///   Anthropic always holds the answer to the schema).
/// - Ignored, because they do not change what is generated: `store`, `metadata`, `service_tier`,
///   `prompt_cache_key`, `stream_options` (the stream translator applies it), a part's image
///   `detail`, a message's `name`, a tool's `strict`.
/// - Everything else Anthropic cannot express (`n` > 1, `logprobs`, audio, a `json_object`
///   `response_format`, penalties, `seed`, …) is refused with a ``TranslationError`` naming it.
public enum AnthropicRequestTranslator {
    /// Translates `body`.
    /// - Parameters:
    ///   - model: the upstream model name to put in the request.
    ///   - defaultMaxTokens: Anthropic's required `max_tokens` when the client set neither
    ///     `max_completion_tokens` nor `max_tokens`.
    public static func translate(openAIChat body: some Collection<UInt8>, model: String, defaultMaxTokens: Int) throws(TranslationError) -> [UInt8] {
        try Self.translate(request: JSONValue.requestBody(body), model: model, defaultMaxTokens: defaultMaxTokens).serialized
    }

    /// Extended thinking budgets for OpenAI's `reasoning_effort`; `none` leaves thinking off.
    ///
    /// | effort | `budget_tokens` |
    /// |---|---|
    /// | `minimal` | 1024 (Anthropic's minimum) |
    /// | `low` | 2048 |
    /// | `medium` | 8192 |
    /// | `high` | 16384 |
    /// | `xhigh` | 32768 |
    public static func thinkingBudget(for effort: String) -> Int? {
        switch effort {
        case "minimal": 1024
        case "low": 2048
        case "medium": 8192
        case "high": 16384
        case "xhigh": 32768
        default: nil
        }
    }

    /// Anthropic's smallest thinking budget.
    static let minimumThinkingBudget = 1024

    /// Request members that need no translation because they do not change what is generated.
    private static let ignoredMembers: Set<String> = ["model", "store", "metadata", "service_tier", "stream_options", "prompt_cache_key"]

    static func translate(request: JSONValue, model: String, defaultMaxTokens: Int) throws(TranslationError) -> JSONValue {
        guard let members = request.objectMembers else { throw TranslationError.invalidRequest("The request body must be a JSON object", param: nil) }
        for member in members where !member.value.isNull {
            try Self.checkExpressible(member.key, member.value)
        }
        var output = ObjectBuilder()
        output.set("model", .string(model))

        var requestedMaxTokens = try request.optionalPositiveInteger("max_completion_tokens")
        if requestedMaxTokens == nil { requestedMaxTokens = try request.optionalPositiveInteger("max_tokens") }
        var maxTokens = requestedMaxTokens ?? defaultMaxTokens
        var thinking: JSONValue?
        if let effort = try request.optionalString("reasoning_effort", at: "reasoning_effort"), effort != "none" {
            guard var budget = Self.thinkingBudget(for: effort) else {
                throw TranslationError.invalidRequest("'reasoning_effort' must be one of none, minimal, low, medium, high, xhigh", param: "reasoning_effort")
            }
            if requestedMaxTokens == nil {
                maxTokens = max(maxTokens, budget + defaultMaxTokens)
            }
            budget = min(budget, maxTokens - 1)
            guard budget >= Self.minimumThinkingBudget else {
                throw TranslationError.invalidRequest(
                    "'reasoning_effort' needs 'max_completion_tokens' above \(Self.minimumThinkingBudget): the model's thinking counts toward it",
                    param: "reasoning_effort")
            }
            thinking = ["type": "enabled", "budget_tokens": .integer(budget)]
        }
        output.set("max_tokens", .integer(maxTokens))

        guard let messages = try request.optionalArray("messages", at: "messages") else {
            throw TranslationError.invalidRequest("'messages' is a required property", param: "messages")
        }
        var conversation = AnthropicConversation()
        for (index, message) in messages.enumerated() {
            try conversation.add(message, at: "messages[\(index)]")
        }
        if !conversation.system.isEmpty { output.set("system", .array(conversation.system)) }
        output.set("messages", conversation.turns.json(itemsKey: "content"))

        let safetyIdentifier = try request.optionalString("safety_identifier", at: "safety_identifier")
        if let user = try request.optionalString("user", at: "user") ?? safetyIdentifier { output.set("metadata", ["user_id": .string(user)]) }
        output.set("stop_sequences", try OpenAIStop.sequences(request.present("stop")))
        output.set("stream", request.present("stream"))
        // Anthropic takes both in [0, 1]; anything else is the client's to correct, not an upstream failure.
        for key in ["temperature", "top_p"] {
            guard let value = request.present(key) else { continue }
            guard case .number(let text) = value, let number = Double(text), (0...1).contains(number) else {
                throw TranslationError.invalidRequest("'\(key)' must be a number between 0 and 1 for this model", param: key)
            }
            output.set(key, value)
        }
        output.set("thinking", thinking)
        if let tools = try request.optionalArray("tools", at: "tools") {
            output.set("tools", .array(try tools.enumerated().map { index, tool throws(TranslationError) in try Self.tool(tool, at: "tools[\(index)]") }))
        }
        output.set("tool_choice", try Self.toolChoice(request.present("tool_choice"), parallel: request.present("parallel_tool_calls")?.boolValue))
        if let schema = try OpenAIResponseSchema.schema(of: request.present("response_format")) {
            output.set("output_config", ["format": ["type": "json_schema", "schema": schema.schema]])
        }
        return output.object
    }

    /// Refuses members Anthropic cannot express; members at their neutral value pass.
    private static func checkExpressible(_ key: String, _ value: JSONValue) throws(TranslationError) {
        switch key {
        case "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "stop", "stream", "user", "safety_identifier",
            "tools", "tool_choice", "parallel_tool_calls", "reasoning_effort":
            return
        case _ where Self.ignoredMembers.contains(key):
            return
        case "n":
            if value.intValue == 1 { return }
            throw TranslationError.unsupported("n", "it generates one choice per request")
        case "logprobs":
            if value.boolValue == false { return }
            throw TranslationError.unsupported("logprobs", "it does not return token log probabilities")
        case "top_logprobs":
            throw TranslationError.unsupported("top_logprobs", "it does not return token log probabilities")
        case "presence_penalty", "frequency_penalty":
            if let number = value.intValue, number == 0 { return }
            if case .number(let text) = value, Double(text) == 0 { return }
            throw TranslationError.unsupported(key, "it has no repetition penalties")
        case "response_format":
            if ["text", "json_schema"].contains(value["type"]?.stringValue) { return }
            throw TranslationError.unsupported("response_format", "only the text and json_schema formats can be translated")
        case "modalities":
            if value.arrayValue?.allSatisfy({ $0.stringValue == "text" }) == true { return }
            throw TranslationError.unsupported("modalities", "it generates text only")
        case "audio":
            throw TranslationError.unsupported("audio", "it generates text only")
        case "logit_bias":
            if value.objectMembers?.isEmpty == true { return }
            throw TranslationError.unsupported("logit_bias", "it cannot bias tokens")
        case "seed":
            throw TranslationError.unsupported("seed", "it has no deterministic sampling")
        case "functions", "function_call":
            throw TranslationError.unsupported(key, "use 'tools' and 'tool_choice' instead")
        default:
            throw TranslationError.unsupported(key, "it has no equivalent")
        }
    }

    private static func tool(_ tool: JSONValue, at path: String) throws(TranslationError) -> JSONValue {
        let function = try OpenAIFunctionTool(tool, at: path)
        var output = ObjectBuilder()
        output.set("name", .string(function.name))
        output.set("description", function.description.map(JSONValue.string))
        output.set("input_schema", function.parametersOrEmpty)
        output.set("cache_control", tool.present("cache_control"))
        return output.object
    }

    private static func toolChoice(_ choice: JSONValue?, parallel: Bool?) throws(TranslationError) -> JSONValue? {
        var mapped: JSONValue?
        switch choice {
        case nil: break
        case .string("auto"): mapped = ["type": "auto"]
        case .string("none"): mapped = ["type": "none"]
        case .string("required"): mapped = ["type": "any"]
        case .some(let named):
            guard named["type"]?.stringValue == "function", let name = named["function"]?["name"]?.stringValue else {
                throw TranslationError.invalidRequest("'tool_choice' must be none, auto, required or a named function", param: "tool_choice")
            }
            mapped = ["type": "tool", "name": .string(name)]
        }
        guard parallel == false else { return mapped }
        let base = mapped ?? ["type": "auto"]
        if base["type"]?.stringValue == "none" { return base }
        return base.setting("disable_parallel_tool_use", to: true)
    }
}
