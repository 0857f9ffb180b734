/// Turns an Anthropic Messages request into an OpenAI chat completions request, for clients
/// that speak Anthropic to a backend that speaks OpenAI.
///
/// - `system` becomes the first message, and a `system` turn inside `messages` a system message
///   in its place; a user turn's `tool_result` blocks become `tool` messages ahead of the rest of
///   that turn. A tool result with `is_error: true` has its text prefixed with
///   ``toolErrorPrefix`` (chat tool messages have no error flag), and images in a tool result
///   follow in a user message, since tool messages carry text only.
/// - Assistant `thinking` and `redacted_thinking` blocks are not sent: OpenAI-compatible servers
///   regenerate reasoning and some refuse it in the history.
/// - `max_tokens` is sent as `max_tokens`, which every OpenAI-compatible server reads; a stream
///   asks for its usage (`stream_options.include_usage`) so the client gets its token counts.
/// - `thinking` and `output_config.effort` become `reasoning_effort` (``AnthropicReasoningEffort``);
///   `output_config.format` (structured outputs; also the older top-level `output_format`)
///   becomes a strict `json_schema` `response_format`; `top_k` passes through as the vLLM and
///   SGLang extension of that name; `metadata.user_id` becomes `user`.
/// - `context_management` edits are done here (``AnthropicContextEdits``).
/// - Tool search server tools (`tool_search_tool_*`) are left out and deferred tools
///   (`defer_loading`) sent like the others: the backend sees every tool at once.
/// - Ignored: `cache_control` (OpenAI caches prompts automatically and refuses the member),
///   `thinking.display`, a tool's `strict`, and top-level members this translator does not
///   know (from newer clients); ``Translation/ignored`` names what was ignored so the caller can
///   log it.
/// - Refused with a ``TranslationError`` naming it: `mcp_servers` and `container` (Anthropic's
///   platform runs them), server tools, documents, and content blocks OpenAI cannot express.
public enum OpenAIRequestTranslator {
    /// A translated request, and what of the original it left out.
    public struct Translation: Sendable {
        /// The OpenAI chat completions request.
        public var body: [UInt8]
        /// The members and edits ignored, by their path in the Anthropic request.
        public var ignored: [String]
    }

    /// What a tool result's text starts with when the client marked it `is_error`.
    public static let toolErrorPrefix = "Error: "

    /// Translates `body`.
    /// - Parameter model: the upstream model name to put in the request.
    public static func translate(anthropicMessages body: some Collection<UInt8>, model: String) throws(TranslationError) -> [UInt8] {
        try Self.translation(ofAnthropicMessages: body, model: model).body
    }

    /// Translates `body`, naming what it ignored.
    /// - Parameter model: the upstream model name to put in the request.
    public static func translation(ofAnthropicMessages body: some Collection<UInt8>, model: String) throws(TranslationError) -> Translation {
        var ignored: [String] = []
        let request = try Self.translate(request: JSONValue.requestBody(body), model: model, ignored: &ignored)
        return Translation(body: request.serialized, ignored: ignored)
    }

    /// The Anthropic request member an OpenAI one of a translated request came from, when its
    /// name differs: an error about the translated request names it for the Anthropic client.
    ///
    /// | OpenAI | Anthropic |
    /// |---|---|
    /// | `reasoning_effort` | `thinking` |
    /// | `response_format` | `output_config.format` |
    /// | `stop` | `stop_sequences` |
    /// | `max_completion_tokens` | `max_tokens` |
    /// | `user` | `metadata.user_id` |
    public static func anthropicParameter(for openAIParameter: String) -> String? {
        switch openAIParameter {
        case "reasoning_effort": "thinking"
        case "response_format": "output_config.format"
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

    /// Top-level members refused, with the reason.
    private static let refusedMembers = [
        "mcp_servers": "MCP servers are called by Anthropic's platform",
        "container": "containers run only on Anthropic's platform",
    ]

    static func translate(request: JSONValue, model: String, ignored: inout [String]) throws(TranslationError) -> JSONValue {
        guard let members = request.objectMembers else { throw TranslationError.invalidRequest("The request body must be a JSON object", param: nil) }
        for member in members where !member.value.isNull {
            switch member.key {
            case "model", "messages", "system", "max_tokens", "metadata", "stop_sequences", "stream", "temperature", "top_p", "top_k",
                "tools", "tool_choice", "thinking", "output_config", "output_format", "context_management":
                continue
            default:
                if let reason = Self.refusedMembers[member.key] { throw TranslationError.unsupported(member.key, reason) }
                ignored.append(member.key)
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
        let edited = AnthropicContextEdits.apply(request.present("context_management"), to: turns, of: request)
        ignored += edited.ignored
        for (index, turn) in edited.messages.enumerated() {
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
        let outputConfig = request.present("output_config")
        let thinking = request.present("thinking")
        let effort = outputConfig?.present("effort")
        output.set("reasoning_effort", try AnthropicReasoningEffort.reasoningEffort(thinking: thinking, effort: effort).map(JSONValue.string))
        if effort != nil, thinking == nil || thinking?["type"]?.stringValue == "disabled" { ignored.append("output_config.effort") }
        if thinking?.present("display") != nil { ignored.append("thinking.display") }
        for member in outputConfig?.objectMembers ?? [] where !["effort", "format"].contains(member.key) {
            ignored.append("output_config.\(member.key)")
        }
        if let format = outputConfig?.present("format") {
            output.set("response_format", try Self.responseFormat(format, at: "output_config.format"))
        } else if let format = request.present("output_format") {
            output.set("response_format", try Self.responseFormat(format, at: "output_format"))
        }
        if let tools = try request.optionalArray("tools", at: "tools") {
            var functions: [JSONValue] = []
            for (index, tool) in tools.enumerated() {
                if let type = tool["type"]?.stringValue, type.hasPrefix("tool_search_tool_") {
                    ignored.append("tools[\(index)] (\(type))")
                    continue
                }
                functions.append(try Self.tool(tool, at: "tools[\(index)]"))
            }
            if !functions.isEmpty { output.set("tools", .array(functions)) }
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

    /// Structured outputs' `{"type": "json_schema", "schema": …}` as OpenAI's strict
    /// `json_schema` response format.
    private static func responseFormat(_ format: JSONValue, at path: String) throws(TranslationError) -> JSONValue {
        guard format["type"]?.stringValue == "json_schema" else {
            throw TranslationError.invalidRequest("'\(path).type' must be json_schema", param: "\(path).type")
        }
        guard let schema = format.present("schema"), schema.objectMembers != nil else {
            throw TranslationError.invalidRequest("'\(path).schema' must be a JSON schema object", param: "\(path).schema")
        }
        return ["type": "json_schema", "json_schema": ["name": "output", "schema": schema, "strict": true]]
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
        case "system": return [["role": "system", "content": try Self.textContent(content, at: "\(path).content")]]
        default: throw TranslationError.invalidRequest("'\(path).role' must be user, assistant or system", param: "\(path).role")
        }
    }

    private static func userMessages(_ blocks: [JSONValue], at path: String) throws(TranslationError) -> [JSONValue] {
        var toolMessages: [JSONValue] = []
        var toolImages: [JSONValue] = []
        var parts: [JSONValue] = []
        for (index, block) in blocks.enumerated() {
            let blockPath = "\(path)[\(index)]"
            switch block["type"]?.stringValue {
            case "text":
                parts.append(["type": "text", "text": .string(try block.requiredString("text", at: "\(blockPath).text"))])
            case "image":
                parts.append(["type": "image_url", "image_url": ["url": .string(try Self.imageURL(block["source"], at: "\(blockPath).source"))]])
            case "tool_result":
                let result = try Self.toolResult(block, at: blockPath)
                toolMessages.append(result.message)
                toolImages += result.images
            default:
                throw TranslationError.unsupported("\(blockPath).type", "content blocks of this type have no OpenAI equivalent")
            }
        }
        parts = toolImages + parts
        guard !parts.isEmpty else { return toolMessages }
        let content: JSONValue = parts.count == 1 && parts[0]["type"]?.stringValue == "text" ? parts[0]["text"]! : .array(parts)
        return toolMessages + [["role": "user", "content": content]]
    }

    /// A `tool_result` block as a tool message, and the images it held as `image_url` parts
    /// for the user message after it. An error result's text starts with ``toolErrorPrefix``.
    private static func toolResult(_ block: JSONValue, at path: String) throws(TranslationError) -> (message: JSONValue, images: [JSONValue]) {
        var texts: [String] = []
        var images: [JSONValue] = []
        switch block.present("content") {
        case nil: break
        case .string(let text)?: texts.append(text)
        case let content?:
            guard let blocks = content.arrayValue else {
                throw TranslationError.invalidRequest("'\(path).content' must be a string or an array of content blocks", param: "\(path).content")
            }
            for (index, part) in blocks.enumerated() {
                let partPath = "\(path).content[\(index)]"
                switch part["type"]?.stringValue {
                case "text": texts.append(try part.requiredString("text", at: "\(partPath).text"))
                case "image": images.append(["type": "image_url", "image_url": ["url": .string(try Self.imageURL(part["source"], at: "\(partPath).source"))]])
                default: throw TranslationError.unsupported("\(partPath).type", "only text and image blocks can be translated here")
                }
            }
        }
        if block["is_error"]?.boolValue == true { texts = texts.isEmpty ? [Self.toolErrorPrefix] : [Self.toolErrorPrefix + texts[0]] + texts.dropFirst() }
        let content: JSONValue = texts.count == 1 ? .string(texts[0]) : texts.isEmpty ? "" : .array(texts.map { ["type": "text", "text": .string($0)] })
        let message: JSONValue = [
            "role": "tool", "tool_call_id": .string(try block.requiredString("tool_use_id", at: "\(path).tool_use_id")), "content": content,
        ]
        return (message, images)
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
