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
/// - Ignored, because they do not change what is generated: `store`, `metadata`, `service_tier`,
///   `stream_options` (the stream translator applies it), a part's image `detail`, a message's
///   `name`, a tool's `strict`.
/// - Everything else Anthropic cannot express (`n` > 1, `logprobs`, audio, `response_format`
///   other than text, penalties, `seed`, …) is refused with a ``TranslationError`` naming it.
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
    private static let ignoredMembers: Set<String> = ["model", "store", "metadata", "service_tier", "stream_options"]

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
        var conversation = Conversation()
        for (index, message) in messages.enumerated() {
            try conversation.add(message, at: "messages[\(index)]")
        }
        if !conversation.system.isEmpty { output.set("system", .array(conversation.system)) }
        output.set("messages", .array(conversation.turns.map { ["role": .string($0.role), "content": .array($0.blocks)] }))

        if let user = try request.optionalString("user", at: "user") { output.set("metadata", ["user_id": .string(user)]) }
        output.set("stop_sequences", try Self.stopSequences(request.present("stop")))
        output.set("stream", request.present("stream"))
        if let temperature = request.present("temperature") {
            guard case .number(let text) = temperature, let value = Double(text), (0...1).contains(value) else {
                throw TranslationError.invalidRequest("'temperature' must be a number between 0 and 1 for this model", param: "temperature")
            }
            output.set("temperature", temperature)
        }
        output.set("top_p", request.present("top_p"))
        output.set("thinking", thinking)
        if let tools = try request.optionalArray("tools", at: "tools") {
            output.set("tools", .array(try tools.enumerated().map { index, tool throws(TranslationError) in try Self.tool(tool, at: "tools[\(index)]") }))
        }
        output.set("tool_choice", try Self.toolChoice(request.present("tool_choice"), parallel: request.present("parallel_tool_calls")?.boolValue))
        return output.object
    }

    /// Refuses members Anthropic cannot express; members at their neutral value pass.
    private static func checkExpressible(_ key: String, _ value: JSONValue) throws(TranslationError) {
        switch key {
        case "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "stop", "stream", "user",
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
            if value["type"]?.stringValue == "text" { return }
            throw TranslationError.unsupported("response_format", "only the text format can be translated")
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

    private static func stopSequences(_ stop: JSONValue?) throws(TranslationError) -> JSONValue? {
        guard let stop else { return nil }
        if case .string = stop { return .array([stop]) }
        guard let sequences = stop.arrayValue, sequences.allSatisfy({ $0.stringValue != nil }) else {
            throw TranslationError.invalidRequest("'stop' must be a string or an array of strings", param: "stop")
        }
        return sequences.isEmpty ? nil : stop
    }

    private static func tool(_ tool: JSONValue, at path: String) throws(TranslationError) -> JSONValue {
        guard tool["type"]?.stringValue == "function", let function = tool.present("function") else {
            throw TranslationError.unsupported("\(path).type", "only function tools can be translated")
        }
        var output = ObjectBuilder()
        output.set("name", .string(try function.requiredString("name", at: "\(path).function.name")))
        output.set("description", try function.optionalString("description", at: "\(path).function.description").map(JSONValue.string))
        output.set("input_schema", function.present("parameters") ?? ["type": "object", "properties": [:]])
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

/// The conversation as Anthropic shapes it: system blocks apart, turns alternating.
private struct Conversation {
    var system: [JSONValue] = []
    var turns: [(role: String, blocks: [JSONValue])] = []

    mutating func add(_ message: JSONValue, at path: String) throws(TranslationError) {
        let role = try message.requiredString("role", at: "\(path).role")
        switch role {
        case "system", "developer":
            self.system += try Self.textBlocks(message.present("content"), at: "\(path).content")
        case "user":
            self.append(try Self.userBlocks(message.present("content"), at: "\(path).content"), role: "user")
        case "assistant":
            self.append(try Self.assistantBlocks(message, at: path), role: "assistant")
        case "tool":
            let id = try message.requiredString("tool_call_id", at: "\(path).tool_call_id")
            var result = ObjectBuilder()
            result.set("type", "tool_result")
            result.set("tool_use_id", .string(id))
            if let content = message.present("content") {
                if case .string = content {
                    result.set("content", content)
                } else {
                    result.set("content", .array(try Self.textBlocks(content, at: "\(path).content")))
                }
            }
            self.append([result.object], role: "user")
        default:
            throw TranslationError.unsupported("\(path).role", "the role '\(role)' has no equivalent")
        }
    }

    private mutating func append(_ blocks: [JSONValue], role: String) {
        guard !blocks.isEmpty else { return }
        if let last = self.turns.indices.last, self.turns[last].role == role {
            self.turns[last].blocks += blocks
        } else {
            self.turns.append((role: role, blocks: blocks))
        }
    }

    /// Text-only content: a string or text parts.
    private static func textBlocks(_ content: JSONValue?, at path: String) throws(TranslationError) -> [JSONValue] {
        guard let content else { return [] }
        if let text = content.stringValue { return text.isEmpty ? [] : [["type": "text", "text": .string(text)]] }
        guard let parts = content.arrayValue else {
            throw TranslationError.invalidRequest("'\(path)' must be a string or an array of content parts", param: path)
        }
        var blocks: [JSONValue] = []
        for (index, part) in parts.enumerated() {
            guard part["type"]?.stringValue == "text" else {
                throw TranslationError.unsupported("\(path)[\(index)].type", "only text parts are allowed here")
            }
            blocks.append(try Self.textBlock(part, at: "\(path)[\(index)]"))
        }
        return blocks
    }

    private static func textBlock(_ part: JSONValue, at path: String) throws(TranslationError) -> JSONValue {
        var block = ObjectBuilder()
        block.set("type", "text")
        block.set("text", .string(try part.requiredString("text", at: "\(path).text")))
        block.set("cache_control", part.present("cache_control"))
        return block.object
    }

    private static func userBlocks(_ content: JSONValue?, at path: String) throws(TranslationError) -> [JSONValue] {
        guard let content else { return [] }
        if case .string = content { return try Self.textBlocks(content, at: path) }
        guard let parts = content.arrayValue else {
            throw TranslationError.invalidRequest("'\(path)' must be a string or an array of content parts", param: path)
        }
        var blocks: [JSONValue] = []
        for (index, part) in parts.enumerated() {
            let partPath = "\(path)[\(index)]"
            switch part["type"]?.stringValue {
            case "text":
                blocks.append(try Self.textBlock(part, at: partPath))
            case "image_url":
                guard let url = part["image_url"]?["url"]?.stringValue else {
                    throw TranslationError.invalidRequest("'\(partPath).image_url.url' must be a string", param: "\(partPath).image_url.url")
                }
                var block = ObjectBuilder()
                block.set("type", "image")
                block.set("source", try Self.source(url: url, at: "\(partPath).image_url.url"))
                block.set("cache_control", part.present("cache_control"))
                blocks.append(block.object)
            case "file":
                guard let data = part["file"]?["file_data"]?.stringValue, let source = DataURL(data) else {
                    throw TranslationError.unsupported("\(partPath).file", "only files inlined as data: URLs in 'file_data' can be translated")
                }
                var block = ObjectBuilder()
                block.set("type", "document")
                block.set("source", ["type": "base64", "media_type": .string(source.mediaType), "data": .string(source.data)])
                block.set("cache_control", part.present("cache_control"))
                blocks.append(block.object)
            default:
                throw TranslationError.unsupported("\(partPath).type", "content parts of this type have no equivalent")
            }
        }
        return blocks
    }

    private static func source(url: String, at path: String) throws(TranslationError) -> JSONValue {
        if let data = DataURL(url) {
            return ["type": "base64", "media_type": .string(data.mediaType), "data": .string(data.data)]
        }
        guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
            throw TranslationError.invalidRequest("'\(path)' must be an http(s) URL or a base64 data: URL", param: path)
        }
        return ["type": "url", "url": .string(url)]
    }

    private static func assistantBlocks(_ message: JSONValue, at path: String) throws(TranslationError) -> [JSONValue] {
        var blocks: [JSONValue] = []
        if let thinking = try message.optionalArray("thinking_blocks", at: "\(path).thinking_blocks") {
            for (index, block) in thinking.enumerated() {
                switch block["type"]?.stringValue {
                case "thinking":
                    _ = try block.requiredString("signature", at: "\(path).thinking_blocks[\(index)].signature")
                case "redacted_thinking":
                    _ = try block.requiredString("data", at: "\(path).thinking_blocks[\(index)].data")
                default:
                    throw TranslationError.invalidRequest("'\(path).thinking_blocks[\(index)].type' must be thinking or redacted_thinking", param: "\(path).thinking_blocks[\(index)].type")
                }
                blocks.append(block)
            }
        }
        if message.present("audio") != nil || message.present("function_call") != nil {
            throw TranslationError.unsupported(message.present("audio") != nil ? "\(path).audio" : "\(path).function_call", "it has no equivalent")
        }
        if let content = message.present("content") {
            if case .string = content {
                blocks += try Self.textBlocks(content, at: "\(path).content")
            } else if let parts = content.arrayValue {
                for (index, part) in parts.enumerated() {
                    let partPath = "\(path).content[\(index)]"
                    switch part["type"]?.stringValue {
                    case "text": blocks.append(try Self.textBlock(part, at: partPath))
                    case "refusal": blocks.append(["type": "text", "text": .string(try part.requiredString("refusal", at: "\(partPath).refusal"))])
                    default: throw TranslationError.unsupported("\(partPath).type", "assistant content parts must be text or refusal")
                    }
                }
            } else {
                throw TranslationError.invalidRequest("'\(path).content' must be a string or an array of content parts", param: "\(path).content")
            }
        }
        for (index, call) in (try message.optionalArray("tool_calls", at: "\(path).tool_calls") ?? []).enumerated() {
            let callPath = "\(path).tool_calls[\(index)]"
            guard let function = call.present("function") else {
                throw TranslationError.unsupported("\(callPath).type", "only function tool calls can be translated")
            }
            let arguments = try function.optionalString("arguments", at: "\(callPath).function.arguments") ?? ""
            let input: JSONValue
            if arguments.trimmingWhitespace.isEmpty {
                input = [:]
            } else {
                guard let parsed = try? JSONValue.parseObject(Array(arguments.utf8)) else {
                    throw TranslationError.invalidRequest("'\(callPath).function.arguments' must be a JSON object", param: "\(callPath).function.arguments")
                }
                input = parsed
            }
            blocks.append([
                "type": "tool_use",
                "id": .string(try call.requiredString("id", at: "\(callPath).id")),
                "name": .string(try function.requiredString("name", at: "\(callPath).function.name")),
                "input": input,
            ])
        }
        return blocks
    }
}

extension String {
    var trimmingWhitespace: Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
        guard let first = self.firstIndex(where: { !isSpace($0) }), let last = self.lastIndex(where: { !isSpace($0) }) else { return "" }
        return self[first...last]
    }
}
