/// Turns an OpenAI chat completions request into a Gemini `generateContent` request.
///
/// - `system` and `developer` messages become `systemInstruction` parts, in order, wherever they
///   appear in the conversation.
/// - `user` messages become `user` contents, `assistant` messages `model` contents, and `tool`
///   messages `functionResponse` parts of a `user` content, named after the call they answer;
///   consecutive contents of one role merge.
/// - Base64 `data:` URL images become `inlineData` parts; Gemini cannot fetch other URLs.
/// - `max_completion_tokens` (or `max_tokens`), `temperature`, `top_p`, `top_k` (the extension
///   Anthropic clients' requests arrive with), `stop` and `n` = 1 go in `generationConfig`;
///   `reasoning_effort` becomes its `thinkingConfig` (``GeminiThinking``), and a `json_object` or
///   `json_schema` `response_format` its `responseMimeType` and `responseSchema`.
/// - `tools` become `functionDeclarations`, `tool_choice` the `functionCallingConfig` mode (with
///   `allowedFunctionNames` for a named function). Schemas, strict ones included, are cut to the
///   subset Gemini accepts (``GeminiSchema``); a tool's `strict` is satisfied by that.
/// - Ignored, because they do not change what is generated: `model`, `stream` (the endpoint
///   decides), `stream_options`, `store`, `metadata`, `service_tier`, `prompt_cache_key`, `user`,
///   `safety_identifier`, `parallel_tool_calls`, a message's `name`, a part's image `detail`.
/// - Everything else Gemini cannot express through this translation (`n` > 1, `logprobs`,
///   audio, `seed`, …) is refused with a ``TranslationError`` naming it.
public enum GeminiRequestTranslator {
    /// Translates `body`.
    /// - Parameter model: the upstream model, which decides how thinking is asked for.
    public static func translate(openAIChat body: some Collection<UInt8>, model: String) throws(TranslationError) -> [UInt8] {
        try Self.translate(request: JSONValue.requestBody(body), thinking: GeminiThinking.Control(model: model)).serialized
    }

    /// Request members that need no translation because they do not change what is generated.
    private static let ignoredMembers: Set<String> = [
        "model", "stream", "stream_options", "store", "metadata", "service_tier", "prompt_cache_key", "user", "safety_identifier",
        "parallel_tool_calls",
    ]

    static func translate(request: JSONValue, thinking: GeminiThinking.Control) throws(TranslationError) -> JSONValue {
        guard let members = request.objectMembers else { throw TranslationError.invalidRequest("The request body must be a JSON object", param: nil) }
        for member in members where !member.value.isNull {
            try Self.checkExpressible(member.key, member.value)
        }
        guard let messages = try request.optionalArray("messages", at: "messages") else {
            throw TranslationError.invalidRequest("'messages' is a required property", param: "messages")
        }
        var conversation = GeminiConversation()
        for (index, message) in messages.enumerated() {
            try conversation.add(message, at: "messages[\(index)]")
        }
        var output = ObjectBuilder()
        output.set("contents", conversation.contents.json(itemsKey: "parts"))
        if !conversation.system.isEmpty { output.set("systemInstruction", ["parts": .array(conversation.system)]) }
        if let tools = try request.optionalArray("tools", at: "tools"), !tools.isEmpty {
            let declarations = try tools.enumerated().map { index, tool throws(TranslationError) in try Self.functionDeclaration(tool, at: "tools[\(index)]") }
            output.set("tools", [["functionDeclarations": .array(declarations)]])
        }
        output.set("toolConfig", try Self.toolConfig(request.present("tool_choice")))

        var generation = ObjectBuilder()
        var maxTokens = try request.optionalPositiveInteger("max_completion_tokens")
        if maxTokens == nil { maxTokens = try request.optionalPositiveInteger("max_tokens") }
        generation.set("maxOutputTokens", maxTokens.map(JSONValue.integer))
        if let temperature = request.present("temperature") {
            guard case .number(let text) = temperature, let value = Double(text), (0...2).contains(value) else {
                throw TranslationError.invalidRequest("'temperature' must be a number between 0 and 2", param: "temperature")
            }
            generation.set("temperature", temperature)
        }
        if let topP = request.present("top_p") {
            guard case .number = topP else { throw TranslationError.invalidRequest("'top_p' must be a number", param: "top_p") }
            generation.set("topP", topP)
        }
        if let topK = request.present("top_k") {
            guard let value = topK.intValue, value > 0 else { throw TranslationError.invalidRequest("'top_k' must be a positive integer", param: "top_k") }
            generation.set("topK", .integer(value))
        }
        if let effort = try request.optionalString("reasoning_effort", at: "reasoning_effort") {
            generation.set("thinkingConfig", try GeminiThinking.config(effort: effort, control: thinking))
        }
        if let format = request.present("response_format") {
            switch format["type"]?.stringValue {
            case "json_object":
                generation.set("responseMimeType", "application/json")
            case "json_schema":
                guard let schema = format["json_schema"]?.present("schema") else {
                    throw TranslationError.invalidRequest("'response_format.json_schema.schema' is a required property", param: "response_format.json_schema.schema")
                }
                generation.set("responseMimeType", "application/json")
                generation.set("responseSchema", try GeminiSchema.translate(schema, at: "response_format.json_schema.schema"))
            default:
                break
            }
        }
        generation.set("stopSequences", try OpenAIStop.sequences(request.present("stop")))
        if request.present("n") != nil { generation.set("candidateCount", 1) }
        if !generation.members.isEmpty { output.set("generationConfig", generation.object) }
        return output.object
    }

    /// Refuses members Gemini cannot express; members at their neutral value pass.
    private static func checkExpressible(_ key: String, _ value: JSONValue) throws(TranslationError) {
        switch key {
        case "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "top_k", "stop", "tools", "tool_choice", "reasoning_effort":
            return
        case _ where Self.ignoredMembers.contains(key):
            return
        case "n":
            if value.intValue == 1 { return }
            throw TranslationError.unsupported("n", "the gateway translates one candidate per request")
        case "logprobs":
            if value.boolValue == false { return }
            throw TranslationError.unsupported("logprobs", "token log probabilities are not translated")
        case "top_logprobs":
            throw TranslationError.unsupported("top_logprobs", "token log probabilities are not translated")
        case "presence_penalty", "frequency_penalty":
            if let number = value.intValue, number == 0 { return }
            if case .number(let text) = value, Double(text) == 0 { return }
            throw TranslationError.unsupported(key, "repetition penalties are not translated")
        case "response_format":
            if ["text", "json_object", "json_schema"].contains(value["type"]?.stringValue) { return }
            throw TranslationError.invalidRequest("'response_format.type' must be text, json_object or json_schema", param: "response_format.type")
        case "modalities":
            if value.arrayValue?.allSatisfy({ $0.stringValue == "text" }) == true { return }
            throw TranslationError.unsupported("modalities", "only text output is translated")
        case "audio":
            throw TranslationError.unsupported("audio", "only text output is translated")
        case "logit_bias":
            if value.objectMembers?.isEmpty == true { return }
            throw TranslationError.unsupported("logit_bias", "it cannot bias tokens")
        case "functions", "function_call":
            throw TranslationError.unsupported(key, "use 'tools' and 'tool_choice' instead")
        default:
            throw TranslationError.unsupported(key, "it has no equivalent")
        }
    }

    private static func functionDeclaration(_ tool: JSONValue, at path: String) throws(TranslationError) -> JSONValue {
        let function = try OpenAIFunctionTool(tool, at: path)
        var output = ObjectBuilder()
        output.set("name", .string(function.name))
        output.set("description", function.description.map(JSONValue.string))
        output.set("parameters", try function.parameters.map { schema throws(TranslationError) in try GeminiSchema.translate(schema, at: "\(path).function.parameters") })
        return output.object
    }

    private static func toolConfig(_ choice: JSONValue?) throws(TranslationError) -> JSONValue? {
        let mode: JSONValue
        var allowedNames: JSONValue?
        switch choice {
        case nil: return nil
        case .string("auto"): mode = "AUTO"
        case .string("none"): mode = "NONE"
        case .string("required"): mode = "ANY"
        case .some(let named):
            guard named["type"]?.stringValue == "function", let name = named["function"]?["name"]?.stringValue else {
                throw TranslationError.invalidRequest("'tool_choice' must be none, auto, required or a named function", param: "tool_choice")
            }
            mode = "ANY"
            allowedNames = [.string(name)]
        }
        var config = ObjectBuilder()
        config.set("mode", mode)
        config.set("allowedFunctionNames", allowedNames)
        return ["functionCallingConfig": config.object]
    }
}
