/// Turns an OpenAI chat completions request into a Gemini `generateContent` request.
///
/// - `system` and `developer` messages become `systemInstruction` parts, in order, wherever they
///   appear in the conversation.
/// - `user` messages become `user` contents, `assistant` messages `model` contents, and `tool`
///   messages `functionResponse` parts of a `user` content, named after the call they answer;
///   consecutive contents of one role merge.
/// - Base64 `data:` URL images become `inlineData` parts; Gemini cannot fetch other URLs.
/// - `max_completion_tokens` (or `max_tokens`), `temperature`, `top_p`, `stop` and `n` = 1 go in
///   `generationConfig`; `tools` become `functionDeclarations`, `tool_choice` the
///   `functionCallingConfig` mode (with `allowedFunctionNames` for a named function).
/// - Ignored, because they do not change what is generated: `model`, `stream` (the endpoint
///   decides), `stream_options`, `store`, `metadata`, `service_tier`, `prompt_cache_key`, `user`,
///   `safety_identifier`, `parallel_tool_calls`, a message's `name`, a part's image `detail`.
/// - Everything else Gemini cannot express through this translation (`n` > 1, `logprobs`,
///   audio, `response_format` other than text, `seed`, …) is refused with a
///   ``TranslationError`` naming it.
public enum GeminiRequestTranslator {
    /// Translates `body`.
    public static func translate(openAIChat body: some Collection<UInt8>) throws(TranslationError) -> [UInt8] {
        try Self.translate(request: JSONValue.requestBody(body)).serialized
    }

    /// Request members that need no translation because they do not change what is generated.
    private static let ignoredMembers: Set<String> = [
        "model", "stream", "stream_options", "store", "metadata", "service_tier", "prompt_cache_key", "user", "safety_identifier",
        "parallel_tool_calls",
    ]

    static func translate(request: JSONValue) throws(TranslationError) -> JSONValue {
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
        generation.set("stopSequences", try OpenAIStop.sequences(request.present("stop")))
        if request.present("n") != nil { generation.set("candidateCount", 1) }
        if !generation.members.isEmpty { output.set("generationConfig", generation.object) }
        return output.object
    }

    /// Refuses members Gemini cannot express; members at their neutral value pass.
    private static func checkExpressible(_ key: String, _ value: JSONValue) throws(TranslationError) {
        switch key {
        case "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "stop", "tools", "tool_choice":
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
            if value["type"]?.stringValue == "text" { return }
            throw TranslationError.unsupported("response_format", "only the text format can be translated")
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
        output.set("parameters", function.parameters)
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
