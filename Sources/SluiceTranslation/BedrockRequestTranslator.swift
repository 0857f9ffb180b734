/// Turns an OpenAI chat completions request into a body for Bedrock's Converse and
/// ConverseStream APIs (the model is in the URL, and streaming is the endpoint's choice).
///
/// - `system` and `developer` messages become the top-level `system` blocks, in order.
/// - Consecutive messages of one role merge into one turn; `tool` messages become `toolResult`
///   blocks of a user turn, assistant `tool_calls` become `toolUse` blocks.
/// - `max_completion_tokens` (or `max_tokens`), `temperature`, `top_p` and `stop` go into
///   `inferenceConfig`; `tools` and `tool_choice` into `toolConfig`.
/// - `reasoning_effort` goes in `additionalModelRequestFields` for the model families that take
///   one (``BedrockReasoning``); a Claude model with `stop` is asked for the matched sequence
///   (`additionalModelResponseFieldPaths`), which the answer reports.
/// - A `json_schema` `response_format` becomes Converse's structured output,
///   `outputConfig.textFormat` (`type: json_schema`, the schema as a JSON string and its name).
/// - Ignored, because they do not change what is generated: `stream`, `stream_options`, `store`,
///   `metadata`, `service_tier`, `prompt_cache_key`, `user`, `safety_identifier`, a part's image
///   `detail`, a message's `name`, a tool's `strict`.
/// - Everything else Converse cannot express (`n` > 1, `logprobs`, `reasoning_effort` on a model
///   without a reasoning setting, `tool_choice: "none"`, image URLs that are not inline data, …) is refused with a
///   ``TranslationError`` naming it.
public enum BedrockRequestTranslator {
    /// Translates `body`.
    /// - Parameter model: the Bedrock model id, whose family decides how reasoning is asked for.
    public static func translate(openAIChat body: some Collection<UInt8>, model: String) throws(TranslationError) -> [UInt8] {
        try Self.translate(request: JSONValue.requestBody(body), family: BedrockReasoning.Family(model: model)).serialized
    }

    private static let ignoredMembers: Set<String> = [
        "model", "stream", "stream_options", "store", "metadata", "service_tier", "prompt_cache_key", "user", "safety_identifier",
    ]

    static func translate(request: JSONValue, family: BedrockReasoning.Family) throws(TranslationError) -> JSONValue {
        guard let members = request.objectMembers else { throw TranslationError.invalidRequest("The request body must be a JSON object", param: nil) }
        for member in members where !member.value.isNull {
            try Self.checkExpressible(member.key, member.value)
        }
        guard let messages = try request.optionalArray("messages", at: "messages") else {
            throw TranslationError.invalidRequest("'messages' is a required property", param: "messages")
        }
        var conversation = BedrockConversation()
        for (index, message) in messages.enumerated() {
            try conversation.add(message, at: "messages[\(index)]")
        }
        var output = ObjectBuilder()
        output.set("messages", conversation.turns.json(itemsKey: "content"))
        if !conversation.system.isEmpty { output.set("system", .array(conversation.system)) }

        var inference = ObjectBuilder()
        var maxTokens = try request.optionalPositiveInteger("max_completion_tokens")
        if maxTokens == nil { maxTokens = try request.optionalPositiveInteger("max_tokens") }
        var additionalFields: [(key: String, value: JSONValue)] = []
        if let effort = try request.optionalString("reasoning_effort", at: "reasoning_effort") {
            (additionalFields, maxTokens) = try BedrockReasoning.fields(effort: effort, family: family, maxTokens: maxTokens)
        }
        inference.set("maxTokens", maxTokens.map(JSONValue.integer))
        inference.set("temperature", try Self.number(request.present("temperature"), named: "temperature"))
        inference.set("topP", try Self.number(request.present("top_p"), named: "top_p"))
        inference.set("stopSequences", try OpenAIStop.sequences(request.present("stop")))
        if !inference.members.isEmpty { output.set("inferenceConfig", inference.object) }
        if !additionalFields.isEmpty { output.set("additionalModelRequestFields", .object(additionalFields)) }
        if family == .claude, inference.members.contains(where: { $0.key == "stopSequences" }) {
            output.set("additionalModelResponseFieldPaths", ["/stop_sequence"])
        }

        if let tools = try request.optionalArray("tools", at: "tools"), !tools.isEmpty {
            var toolConfig = ObjectBuilder()
            toolConfig.set("tools", .array(try tools.enumerated().map { index, tool throws(TranslationError) in try Self.tool(tool, at: "tools[\(index)]") }))
            toolConfig.set("toolChoice", try Self.toolChoice(request.present("tool_choice")))
            output.set("toolConfig", toolConfig.object)
        } else if request.present("tool_choice") != nil {
            throw TranslationError.invalidRequest("'tool_choice' needs 'tools'", param: "tool_choice")
        }
        if let schema = try OpenAIResponseSchema.schema(of: request.present("response_format")) {
            let definition: JSONValue = ["schema": .string(String(decoding: schema.schema.serialized, as: UTF8.self)), "name": .string(schema.name)]
            output.set("outputConfig", ["textFormat": ["type": "json_schema", "structure": ["jsonSchema": definition]]])
        }
        return output.object
    }

    /// Refuses members Converse cannot express; members at their neutral value pass.
    private static func checkExpressible(_ key: String, _ value: JSONValue) throws(TranslationError) {
        switch key {
        case "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "stop", "tools", "tool_choice", "reasoning_effort":
            return
        case _ where Self.ignoredMembers.contains(key):
            return
        case "parallel_tool_calls":
            if value.boolValue == true { return }
            throw TranslationError.unsupported("parallel_tool_calls", "it cannot forbid parallel tool calls")
        case "n":
            if value.intValue == 1 { return }
            throw TranslationError.unsupported("n", "it generates one choice per request")
        case "logprobs":
            if value.boolValue == false { return }
            throw TranslationError.unsupported("logprobs", "it does not return token log probabilities")
        case "presence_penalty", "frequency_penalty":
            if case .number(let text) = value, Double(text) == 0 { return }
            throw TranslationError.unsupported(key, "it has no repetition penalties")
        case "response_format":
            if ["text", "json_schema"].contains(value["type"]?.stringValue) { return }
            throw TranslationError.unsupported("response_format", "only the text and json_schema formats can be translated")
        case "modalities":
            if value.arrayValue?.allSatisfy({ $0.stringValue == "text" }) == true { return }
            throw TranslationError.unsupported("modalities", "it generates text only")
        case "logit_bias":
            if value.objectMembers?.isEmpty == true { return }
            throw TranslationError.unsupported("logit_bias", "it cannot bias tokens")
        case "functions", "function_call":
            throw TranslationError.unsupported(key, "use 'tools' and 'tool_choice' instead")
        default:
            throw TranslationError.unsupported(key, "it has no equivalent")
        }
    }

    private static func number(_ value: JSONValue?, named name: String) throws(TranslationError) -> JSONValue? {
        guard let value else { return nil }
        guard case .number = value else { throw TranslationError.invalidRequest("'\(name)' must be a number", param: name) }
        return value
    }

    private static func tool(_ tool: JSONValue, at path: String) throws(TranslationError) -> JSONValue {
        let function = try OpenAIFunctionTool(tool, at: path)
        var spec = ObjectBuilder()
        spec.set("name", .string(function.name))
        spec.set("description", function.description.map(JSONValue.string))
        spec.set("inputSchema", ["json": function.parametersOrEmpty])
        return ["toolSpec": spec.object]
    }

    private static func toolChoice(_ choice: JSONValue?) throws(TranslationError) -> JSONValue? {
        switch choice {
        case nil: return nil
        case .string("auto"): return ["auto": [:]]
        case .string("required"): return ["any": [:]]
        case .string("none"): throw TranslationError.unsupported("tool_choice", "it cannot forbid tool use while tools are given; leave 'tools' out")
        case .some(let named):
            guard named["type"]?.stringValue == "function", let name = named["function"]?["name"]?.stringValue else {
                throw TranslationError.invalidRequest("'tool_choice' must be none, auto, required or a named function", param: "tool_choice")
            }
            return ["tool": ["name": .string(name)]]
        }
    }
}
