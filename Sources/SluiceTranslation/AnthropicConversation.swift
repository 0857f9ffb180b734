/// An OpenAI conversation as Anthropic shapes it: system blocks apart, and turns that alternate
/// between user and assistant, tool results in user turns.
struct AnthropicConversation {
    var system: [JSONValue] = []
    var turns = AlternatingTurns()

    mutating func add(_ message: JSONValue, at path: String) throws(TranslationError) {
        let role = try message.requiredString("role", at: "\(path).role")
        switch role {
        case "system", "developer":
            self.system += try Self.textBlocks(message.present("content"), at: "\(path).content")
        case "user":
            self.turns.append(try Self.userBlocks(message.present("content"), at: "\(path).content"), role: "user")
        case "assistant":
            self.turns.append(try Self.assistantBlocks(message, at: path), role: "assistant")
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
            self.turns.append([result.object], role: "user")
        default:
            throw TranslationError.unsupported("\(path).role", "the role '\(role)' has no equivalent")
        }
    }

    /// Text-only content: a string or text parts.
    private static func textBlocks(_ content: JSONValue?, at path: String) throws(TranslationError) -> [JSONValue] {
        try TextOnlyContent.texts(content, at: path).map { Self.textBlock($0.text, cacheControl: $0.part?.present("cache_control")) }
    }

    private static func textBlock(_ part: JSONValue, at path: String) throws(TranslationError) -> JSONValue {
        Self.textBlock(try part.requiredString("text", at: "\(path).text"), cacheControl: part.present("cache_control"))
    }

    private static func textBlock(_ text: String, cacheControl: JSONValue?) -> JSONValue {
        var block = ObjectBuilder()
        block.set("type", "text")
        block.set("text", .string(text))
        block.set("cache_control", cacheControl)
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
        for call in try OpenAIToolCall.calls(of: message, at: path) {
            blocks.append(["type": "tool_use", "id": .string(call.id), "name": .string(call.name), "input": call.arguments])
        }
        return blocks
    }
}
