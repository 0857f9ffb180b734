/// Turns an Anthropic Messages request into an OpenAI chat completions request, for clients
/// that speak Anthropic to a backend that speaks OpenAI.
///
/// - `system` becomes the first message; a user turn's `tool_result` blocks become `tool`
///   messages ahead of the rest of that turn.
/// - Assistant `thinking` and `redacted_thinking` blocks are not sent: OpenAI-compatible servers
///   regenerate reasoning and some refuse it in the history.
/// - `max_tokens` is sent as `max_tokens`, which every OpenAI-compatible server reads; a stream
///   asks for its usage (`stream_options.include_usage`) so the client gets its token counts.
/// - `thinking` becomes `reasoning_effort` (budget up to 2048 `low`, up to 8192 `medium`, above
///   that `high`); `top_k` passes through as the vLLM and SGLang extension of that name.
/// - Ignored: `cache_control` (OpenAI caches prompts automatically) and a tool result's
///   `is_error`, which OpenAI's tool messages cannot carry.
/// - Refused with a ``TranslationError`` naming it: server tools, documents, images inside tool
///   results, and any other member OpenAI cannot express.
public enum OpenAIRequestTranslator {
    /// Translates `body`.
    /// - Parameter model: the upstream model name to put in the request.
    public static func translate(anthropicMessages body: some Collection<UInt8>, model: String) throws(TranslationError) -> [UInt8] {
        try Self.translate(request: JSONValue.requestBody(body), model: model).serialized
    }

    /// The Anthropic request member an OpenAI one of a translated request came from, when its
    /// name differs: an error about the translated request names it for the Anthropic client.
    ///
    /// | OpenAI | Anthropic |
    /// |---|---|
    /// | `reasoning_effort` | `thinking` |
    /// | `stop` | `stop_sequences` |
    /// | `max_completion_tokens` | `max_tokens` |
    /// | `user` | `metadata.user_id` |
    public static func anthropicParameter(for openAIParameter: String) -> String? {
        switch openAIParameter {
        case "reasoning_effort": "thinking"
        case "stop": "stop_sequences"
        case "max_completion_tokens": "max_tokens"
        case "user": "metadata.user_id"
        default: nil
        }
    }

    /// The `reasoning_effort` for an extended thinking budget.
    public static func reasoningEffort(forThinkingBudget budget: Int) -> String {
        switch budget {
        case ..<2049: "low"
        case ..<8193: "medium"
        default: "high"
        }
    }

    static func translate(request: JSONValue, model: String) throws(TranslationError) -> JSONValue {
        guard let members = request.objectMembers else { throw TranslationError.invalidRequest("The request body must be a JSON object", param: nil) }
        for member in members where !member.value.isNull {
            switch member.key {
            case "model", "messages", "system", "max_tokens", "metadata", "stop_sequences", "stream", "temperature", "top_p", "top_k",
                "tools", "tool_choice", "thinking":
                continue
            default:
                throw TranslationError.unsupported(member.key, "it has no OpenAI equivalent")
            }
        }
        var output = ObjectBuilder()
        output.set("model", .string(model))
        var messages: [JSONValue] = []
        if let system = request.present("system") {
            messages.append(["role": "system", "content": try Self.textContent(system, at: "system")])
        }
        guard let turns = try request.optionalArray("messages", at: "messages") else {
            throw TranslationError.invalidRequest("'messages' is a required property", param: "messages")
        }
        for (index, turn) in turns.enumerated() {
            messages += try Self.messages(for: turn, at: "messages[\(index)]")
        }
        output.set("messages", .array(messages))
        guard let maxTokens = try request.optionalPositiveInteger("max_tokens") else {
            throw TranslationError.invalidRequest("'max_tokens' is a required property", param: "max_tokens")
        }
        output.set("max_tokens", .integer(maxTokens))
        if let stop = try request.optionalArray("stop_sequences", at: "stop_sequences"), !stop.isEmpty { output.set("stop", .array(stop)) }
        if let stream = request.present("stream") {
            output.set("stream", stream)
            if stream.boolValue == true { output.set("stream_options", ["include_usage": true]) }
        }
        output.set("temperature", request.present("temperature"))
        output.set("top_p", request.present("top_p"))
        output.set("top_k", request.present("top_k"))
        if let user = request.present("metadata")?.present("user_id") { output.set("user", user) }
        if let thinking = request.present("thinking") {
            switch thinking["type"]?.stringValue {
            case "enabled":
                let minimum = AnthropicRequestTranslator.minimumThinkingBudget
                guard let budget = thinking.present("budget_tokens")?.intValue, budget >= minimum else {
                    throw TranslationError.invalidRequest(
                        "'thinking.budget_tokens' must be an integer of at least \(minimum)", param: "thinking.budget_tokens")
                }
                output.set("reasoning_effort", .string(Self.reasoningEffort(forThinkingBudget: budget)))
            case "disabled":
                break
            default:
                throw TranslationError.unsupported("thinking.type", "only enabled and disabled thinking can be translated")
            }
        }
        if let tools = try request.optionalArray("tools", at: "tools") {
            output.set("tools", .array(try tools.enumerated().map { index, tool throws(TranslationError) in try Self.tool(tool, at: "tools[\(index)]") }))
        }
        if let choice = request.present("tool_choice") {
            switch choice["type"]?.stringValue {
            case "auto": output.set("tool_choice", "auto")
            case "any": output.set("tool_choice", "required")
            case "none": output.set("tool_choice", "none")
            case "tool":
                let name = try choice.requiredString("name", at: "tool_choice.name")
                output.set("tool_choice", ["type": "function", "function": ["name": .string(name)]])
            default:
                throw TranslationError.invalidRequest("'tool_choice.type' must be auto, any, tool or none", param: "tool_choice.type")
            }
            if choice["disable_parallel_tool_use"]?.boolValue == true { output.set("parallel_tool_calls", false) }
        }
        return output.object
    }

    private static func tool(_ tool: JSONValue, at path: String) throws(TranslationError) -> JSONValue {
        if let type = tool["type"]?.stringValue, type != "custom" {
            throw TranslationError.unsupported("\(path).type", "server tools such as '\(type)' run only on Anthropic's platform")
        }
        var function = ObjectBuilder()
        function.set("name", .string(try tool.requiredString("name", at: "\(path).name")))
        function.set("description", try tool.optionalString("description", at: "\(path).description").map(JSONValue.string))
        function.set("parameters", tool.present("input_schema") ?? ["type": "object", "properties": [:]])
        return ["type": "function", "function": function.object]
    }

    /// A system prompt or tool result: a string, or text blocks joined into one string when
    /// none carries more than its text.
    private static func textContent(_ content: JSONValue, at path: String) throws(TranslationError) -> JSONValue {
        if case .string = content { return content }
        guard let blocks = content.arrayValue else {
            throw TranslationError.invalidRequest("'\(path)' must be a string or an array of text blocks", param: path)
        }
        var parts: [JSONValue] = []
        for (index, block) in blocks.enumerated() {
            guard block["type"]?.stringValue == "text" else {
                throw TranslationError.unsupported("\(path)[\(index)].type", "only text blocks can be translated here")
            }
            parts.append(["type": "text", "text": .string(try block.requiredString("text", at: "\(path)[\(index)].text"))])
        }
        return parts.count == 1 ? parts[0]["text"]! : .array(parts)
    }

    private static func messages(for turn: JSONValue, at path: String) throws(TranslationError) -> [JSONValue] {
        let role = try turn.requiredString("role", at: "\(path).role")
        guard let content = turn.present("content") else {
            throw TranslationError.invalidRequest("'\(path).content' is a required property", param: "\(path).content")
        }
        let blocks: [JSONValue]
        if case .string = content {
            blocks = [["type": "text", "text": content]]
        } else if let array = content.arrayValue {
            blocks = array
        } else {
            throw TranslationError.invalidRequest("'\(path).content' must be a string or an array of content blocks", param: "\(path).content")
        }
        switch role {
        case "user": return try Self.userMessages(blocks, at: "\(path).content")
        case "assistant": return [try Self.assistantMessage(blocks, at: "\(path).content")]
        default: throw TranslationError.invalidRequest("'\(path).role' must be user or assistant", param: "\(path).role")
        }
    }

    private static func userMessages(_ blocks: [JSONValue], at path: String) throws(TranslationError) -> [JSONValue] {
        var toolMessages: [JSONValue] = []
        var parts: [JSONValue] = []
        for (index, block) in blocks.enumerated() {
            let blockPath = "\(path)[\(index)]"
            switch block["type"]?.stringValue {
            case "text":
                parts.append(["type": "text", "text": .string(try block.requiredString("text", at: "\(blockPath).text"))])
            case "image":
                parts.append(["type": "image_url", "image_url": ["url": .string(try Self.imageURL(block["source"], at: "\(blockPath).source"))]])
            case "tool_result":
                var message = ObjectBuilder()
                message.set("role", "tool")
                message.set("tool_call_id", .string(try block.requiredString("tool_use_id", at: "\(blockPath).tool_use_id")))
                message.set("content", try block.present("content").map { content throws(TranslationError) in try Self.textContent(content, at: "\(blockPath).content") } ?? "")
                toolMessages.append(message.object)
            default:
                throw TranslationError.unsupported("\(blockPath).type", "content blocks of this type have no OpenAI equivalent")
            }
        }
        guard !parts.isEmpty else { return toolMessages }
        let content: JSONValue = parts.count == 1 && parts[0]["type"]?.stringValue == "text" ? parts[0]["text"]! : .array(parts)
        return toolMessages + [["role": "user", "content": content]]
    }

    private static func imageURL(_ source: JSONValue?, at path: String) throws(TranslationError) -> String {
        switch source?["type"]?.stringValue {
        case "base64":
            let mediaType = try source!.requiredString("media_type", at: "\(path).media_type")
            return DataURL(mediaType: mediaType, data: try source!.requiredString("data", at: "\(path).data")).url
        case "url":
            return try source!.requiredString("url", at: "\(path).url")
        default:
            throw TranslationError.unsupported("\(path).type", "only base64 and url image sources can be translated")
        }
    }

    private static func assistantMessage(_ blocks: [JSONValue], at path: String) throws(TranslationError) -> JSONValue {
        var text: String?
        var toolCalls: [JSONValue] = []
        for (index, block) in blocks.enumerated() {
            let blockPath = "\(path)[\(index)]"
            switch block["type"]?.stringValue {
            case "text":
                text = (text ?? "") + (try block.requiredString("text", at: "\(blockPath).text"))
            case "tool_use":
                let input = block.present("input") ?? [:]
                toolCalls.append([
                    "id": .string(try block.requiredString("id", at: "\(blockPath).id")),
                    "type": "function",
                    "function": [
                        "name": .string(try block.requiredString("name", at: "\(blockPath).name")),
                        "arguments": .string(String(decoding: input.serialized, as: UTF8.self)),
                    ],
                ])
            case "thinking", "redacted_thinking":
                continue
            default:
                throw TranslationError.unsupported("\(blockPath).type", "content blocks of this type have no OpenAI equivalent")
            }
        }
        var message = ObjectBuilder()
        message.set("role", "assistant")
        message.set("content", text.map(JSONValue.string) ?? .null)
        if !toolCalls.isEmpty { message.set("tool_calls", .array(toolCalls)) }
        return message.object
    }
}
