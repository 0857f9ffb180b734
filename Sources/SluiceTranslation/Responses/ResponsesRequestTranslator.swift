/// Turns an OpenAI Responses request into a chat completions request, for a Responses client
/// whose request goes to a backend that speaks only chat completions (and, through the chat
/// translators, to Anthropic, Gemini and Bedrock).
///
/// - `instructions` becomes the leading system message; `input` becomes the messages as
///   ``ResponsesConversation`` says.
/// - `function` tools become chat function tools; the functions of a `namespace` tool are sent
///   flat, named as ``ResponsesToolNames`` says. Hosted tools (`web_search`, `file_search`,
///   `code_interpreter`, `computer_use_preview`, `image_generation`, `mcp`, `local_shell`,
///   `custom`, ...) are left out and listed in ``ResponsesChatForm/droppedTools``, or refused
///   when `refuseHostedTools` is set.
/// - `tool_choice`, `parallel_tool_calls`, `temperature`, `top_p`, `user`, `safety_identifier`,
///   `prompt_cache_key`, `service_tier` pass as they are; `reasoning.effort` becomes
///   `reasoning_effort`, `max_output_tokens` `max_completion_tokens`, `top_logprobs` (above 0)
///   `logprobs` with `top_logprobs`, `text.format` `response_format`, `text.verbosity`
///   `verbosity`; a stream asks for its usage (`stream_options.include_usage`).
/// - Left to the gateway, not the backend: `store`, `metadata`, `include`, `truncation`,
///   `stream_options`, `prompt_cache_retention`, `context_management`, and `background: false`;
///   `reasoning.summary` shapes the answer only.
/// - Refused with a 400 naming the parameter: `conversation`, `background: true`, `prompt`,
///   `max_tool_calls`, `moderation` and the like. `previous_response_id` must have been
///   expanded into `input` before.
/// - Any other member (a newer client's, such as Codex's `client_metadata`) is left out and
///   named in ``ResponsesChatForm/ignoredMembers``: agents add members faster than a gateway
///   can learn them, and refusing one would stop the agent.
public enum ResponsesRequestTranslator {
    /// Translates `body`.
    /// - Parameters:
    ///   - model: the upstream model name to put in the request.
    ///   - seal: opens the reasoning the gateway sealed into earlier answers.
    ///   - refuseHostedTools: whether a hosted tool is refused rather than left out.
    public static func translate(
        responses body: some Collection<UInt8>, model: String, seal: (any ReasoningSeal)?, refuseHostedTools: Bool
    ) throws(TranslationError) -> ResponsesChatForm {
        let request = try JSONValue.requestBody(body)
        guard let members = request.objectMembers else { throw TranslationError.invalidRequest("The request body must be a JSON object", param: nil) }
        var ignored: [String] = []
        for member in members where !member.value.isNull {
            if try !Self.isExpressible(member.key, member.value) { ignored.append(member.key) }
        }
        var toolNames = ResponsesToolNames()
        let tools = try Self.tools(request, toolNames: &toolNames, refuseHostedTools: refuseHostedTools)

        var conversation = ResponsesConversation()
        if let instructions = try request.optionalString("instructions", at: "instructions") {
            conversation.addInstructions(instructions)
        }
        guard let input = request.present("input") else {
            throw TranslationError.invalidRequest("'input' is a required property", param: "input")
        }
        try conversation.add(input: input, toolNames: &toolNames, seal: seal)

        var output = ObjectBuilder()
        output.set("model", .string(model))
        output.set("messages", .array(conversation.messages))
        if !tools.chatTools.isEmpty {
            output.set("tools", .array(tools.chatTools))
            output.set("tool_choice", try Self.toolChoice(request.present("tool_choice"), tools: tools, toolNames: toolNames))
            output.set("parallel_tool_calls", try Self.bool(request, "parallel_tool_calls"))
        } else if let choice = request.present("tool_choice"), choice.stringValue != "auto", choice.stringValue != "none" {
            throw TranslationError.unsupported("tool_choice", "it asks for a tool call, and no tool the backend can call was given")
        }
        if let reasoning = request.present("reasoning") {
            guard reasoning.objectMembers != nil else { throw TranslationError.invalidRequest("'reasoning' must be an object", param: "reasoning") }
            output.set("reasoning_effort", try reasoning.optionalString("effort", at: "reasoning.effort").map(JSONValue.string))
        }
        output.set("max_completion_tokens", try request.optionalPositiveInteger("max_output_tokens").map(JSONValue.integer))
        output.set("temperature", try Self.number(request, "temperature"))
        output.set("top_p", try Self.number(request, "top_p"))
        for key in ["user", "safety_identifier", "prompt_cache_key", "service_tier"] {
            output.set(key, try request.optionalString(key, at: key).map(JSONValue.string))
        }
        if let topLogprobs = request.present("top_logprobs") {
            guard let count = topLogprobs.intValue, (0...20).contains(count) else {
                throw TranslationError.invalidRequest("'top_logprobs' must be an integer from 0 to 20", param: "top_logprobs")
            }
            if count > 0 {
                output.set("logprobs", true)
                output.set("top_logprobs", .integer(count))
            }
        }
        if let text = request.present("text") {
            guard text.objectMembers != nil else { throw TranslationError.invalidRequest("'text' must be an object", param: "text") }
            output.set("response_format", try Self.responseFormat(text.present("format")))
            output.set("verbosity", try text.optionalString("verbosity", at: "text.verbosity").map(JSONValue.string))
        }
        if let stream = try Self.bool(request, "stream") {
            output.set("stream", stream)
            if stream.boolValue == true { output.set("stream_options", ["include_usage": true]) }
        }
        return ResponsesChatForm(body: output.object.serialized, droppedTools: tools.dropped, ignoredMembers: ignored, toolNames: toolNames)
    }

    /// Whether the member `key` is one the translation knows (false for an unknown one).
    /// - Throws: the 400 for a known member that chat completions cannot express.
    private static func isExpressible(_ key: String, _ value: JSONValue) throws(TranslationError) -> Bool {
        switch key {
        case "model", "input", "instructions", "tools", "tool_choice", "parallel_tool_calls", "reasoning", "max_output_tokens",
            "temperature", "top_p", "user", "safety_identifier", "prompt_cache_key", "service_tier", "top_logprobs", "text", "stream",
            "stream_options", "metadata", "store", "include", "truncation", "prompt_cache_retention", "context_management":
            return true
        case "background":
            guard value.boolValue == false else {
                throw TranslationError.unsupported("background", "background responses are not available through this gateway")
            }
            return true
        case "previous_response_id":
            throw TranslationError.internalInconsistency("previous_response_id reached the chat translation without being expanded into input")
        case "conversation":
            throw TranslationError.unsupported(
                "conversation", "conversations are kept on OpenAI's servers; send the history in 'input', or continue with 'previous_response_id'")
        case "prompt", "max_tool_calls", "moderation", "background_options", "prompt_cache_options", "access_programs", "image":
            throw TranslationError.unsupported(key, "it has no chat completions equivalent")
        default:
            return false
        }
    }

    // MARK: - Tools

    private struct Tools {
        var chatTools: [JSONValue] = []
        /// Chat names of the functions given at the top level.
        var plainNames: Set<String> = []
        var dropped: [String] = []
        /// Types of the hosted tools left out, for a `tool_choice` that names one.
        var droppedTypes: Set<String> = []

        mutating func drop(_ type: String) {
            if self.droppedTypes.insert(type).inserted { self.dropped.append(type) }
        }
    }

    private static func tools(
        _ request: JSONValue, toolNames: inout ResponsesToolNames, refuseHostedTools: Bool
    ) throws(TranslationError) -> Tools {
        var tools = Tools()
        var chatNames: Set<String> = []
        func add(_ chatTool: JSONValue, named chatName: String, at path: String) throws(TranslationError) {
            guard chatNames.insert(chatName).inserted else {
                throw TranslationError.invalidRequest("'\(path)' is a second tool named '\(chatName)' for the backend", param: "\(path).name")
            }
            tools.chatTools.append(chatTool)
        }
        for (index, tool) in (try request.optionalArray("tools", at: "tools") ?? []).enumerated() {
            let path = "tools[\(index)]"
            let type = try tool.requiredString("type", at: "\(path).type")
            switch type {
            case "function":
                let name = try tool.requiredString("name", at: "\(path).name")
                tools.plainNames.insert(name)
                try add(try Self.functionTool(tool, chatName: name, at: path), named: name, at: path)
            case "namespace":
                let namespace = try tool.requiredString("name", at: "\(path).name")
                for (innerIndex, inner) in (try tool.optionalArray("tools", at: "\(path).tools") ?? []).enumerated() {
                    let innerPath = "\(path).tools[\(innerIndex)]"
                    let innerType = try inner.requiredString("type", at: "\(innerPath).type")
                    guard innerType == "function" else {
                        if refuseHostedTools { throw Self.hostedToolRefused(innerType, at: "\(innerPath).type") }
                        tools.drop(innerType)
                        continue
                    }
                    let name = try inner.requiredString("name", at: "\(innerPath).name")
                    let chatName = toolNames.register(namespace: namespace, name: name)
                    try add(try Self.functionTool(inner, chatName: chatName, at: innerPath), named: chatName, at: innerPath)
                }
            default:
                if refuseHostedTools { throw Self.hostedToolRefused(type, at: "\(path).type") }
                tools.drop(type)
            }
        }
        return tools
    }

    private static func hostedToolRefused(_ type: String, at path: String) -> TranslationError {
        TranslationError.unsupported(path, "the '\(type)' tool runs on OpenAI's platform, and this backend cannot run it")
    }

    private static func functionTool(_ tool: JSONValue, chatName: String, at path: String) throws(TranslationError) -> JSONValue {
        var function = ObjectBuilder()
        function.set("name", .string(chatName))
        function.set("description", try tool.optionalString("description", at: "\(path).description").map(JSONValue.string))
        function.set("parameters", tool.present("parameters") ?? ["type": "object", "properties": [:]])
        function.set("strict", try Self.bool(tool, "strict", at: "\(path).strict"))
        return ["type": "function", "function": function.object]
    }

    private static func toolChoice(_ choice: JSONValue?, tools: Tools, toolNames: ResponsesToolNames) throws(TranslationError) -> JSONValue? {
        guard let choice else { return nil }
        if let mode = choice.stringValue {
            guard ["auto", "none", "required"].contains(mode) else {
                throw TranslationError.invalidRequest("'tool_choice' must be auto, none, required or an object", param: "tool_choice")
            }
            return choice
        }
        let type = try choice.requiredString("type", at: "tool_choice.type")
        switch type {
        case "function":
            let name = try choice.requiredString("name", at: "tool_choice.name")
            if tools.plainNames.contains(name) { return ["type": "function", "function": ["name": .string(name)]] }
            let namespaced = toolNames.chatNames(ofFunctionNamed: name)
            guard namespaced.count == 1 else {
                throw TranslationError.invalidRequest("'tool_choice.name' names no single function in 'tools'", param: "tool_choice.name")
            }
            return ["type": "function", "function": ["name": .string(namespaced[0])]]
        case "allowed_tools":
            throw TranslationError.unsupported("tool_choice.type", "allowed_tools has no equivalent on this backend")
        default:
            throw TranslationError.unsupported("tool_choice.type", "the '\(type)' tool cannot run on this backend")
        }
    }

    // MARK: - Members

    private static func responseFormat(_ format: JSONValue?) throws(TranslationError) -> JSONValue? {
        guard let format else { return nil }
        switch try format.requiredString("type", at: "text.format.type") {
        case "text":
            return nil
        case "json_object":
            return ["type": "json_object"]
        case "json_schema":
            var schema = ObjectBuilder()
            schema.set("name", .string(try format.requiredString("name", at: "text.format.name")))
            schema.set("description", try format.optionalString("description", at: "text.format.description").map(JSONValue.string))
            guard let body = format.present("schema"), body.objectMembers != nil else {
                throw TranslationError.invalidRequest("'text.format.schema' must be an object", param: "text.format.schema")
            }
            schema.set("schema", body)
            schema.set("strict", try Self.bool(format, "strict", at: "text.format.strict"))
            return ["type": "json_schema", "json_schema": schema.object]
        case let type:
            throw TranslationError.unsupported("text.format.type", "the '\(type)' format has no chat completions equivalent")
        }
    }

    private static func bool(_ object: JSONValue, _ key: String, at path: String? = nil) throws(TranslationError) -> JSONValue? {
        guard let value = object.present(key) else { return nil }
        guard value.boolValue != nil else {
            throw TranslationError.invalidRequest("'\(path ?? key)' must be a boolean", param: path ?? key)
        }
        return value
    }

    private static func number(_ object: JSONValue, _ key: String) throws(TranslationError) -> JSONValue? {
        guard let value = object.present(key) else { return nil }
        guard case .number(let text) = value, Double(text)?.isFinite == true else {
            throw TranslationError.invalidRequest("'\(key)' must be a number", param: key)
        }
        return value
    }
}
