/// An OpenAI conversation as Bedrock's Converse API shapes it: system blocks apart, and turns
/// that alternate between user and assistant, each a list of content blocks (`text`, `image`,
/// `toolUse`, `toolResult`), tool results in user turns.
struct BedrockConversation {
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
            let content = try Self.textBlocks(message.present("content"), at: "\(path).content")
            self.turns.append([["toolResult": ["toolUseId": .string(id), "content": .array(content)]]], role: "user")
        default:
            throw TranslationError.unsupported("\(path).role", "the role '\(role)' has no equivalent")
        }
    }

    /// Text-only content: a string or text parts.
    private static func textBlocks(_ content: JSONValue?, at path: String) throws(TranslationError) -> [JSONValue] {
        try TextOnlyContent.texts(content, at: path).map { ["text": .string($0.text)] }
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
                blocks.append(["text": .string(try part.requiredString("text", at: "\(partPath).text"))])
            case "image_url":
                blocks.append(try Self.imageBlock(part["image_url"]?["url"]?.stringValue, at: "\(partPath).image_url.url"))
            default:
                throw TranslationError.unsupported("\(partPath).type", "content parts of this type have no equivalent")
            }
        }
        return blocks
    }

    /// Bedrock takes images inline only, as base64 bytes with their format.
    private static func imageBlock(_ url: String?, at path: String) throws(TranslationError) -> JSONValue {
        guard let url else { throw TranslationError.invalidRequest("'\(path)' must be a string", param: path) }
        guard let data = DataURL(url) else {
            throw TranslationError.unsupported(path, "images must be inlined as base64 data: URLs")
        }
        let format = data.mediaType.hasPrefix("image/") ? String(data.mediaType.dropFirst("image/".count)) : ""
        guard ["png", "jpeg", "gif", "webp"].contains(format) else {
            throw TranslationError.unsupported(path, "images must be png, jpeg, gif or webp")
        }
        return ["image": ["format": .string(format), "source": ["bytes": .string(data.data)]]]
    }

    private static func assistantBlocks(_ message: JSONValue, at path: String) throws(TranslationError) -> [JSONValue] {
        if message.present("audio") != nil || message.present("function_call") != nil {
            throw TranslationError.unsupported(message.present("audio") != nil ? "\(path).audio" : "\(path).function_call", "it has no equivalent")
        }
        var blocks: [JSONValue] = []
        if let content = message.present("content") {
            if case .string = content {
                blocks += try Self.textBlocks(content, at: "\(path).content")
            } else if let parts = content.arrayValue {
                for (index, part) in parts.enumerated() {
                    let partPath = "\(path).content[\(index)]"
                    switch part["type"]?.stringValue {
                    case "text": blocks.append(["text": .string(try part.requiredString("text", at: "\(partPath).text"))])
                    case "refusal": blocks.append(["text": .string(try part.requiredString("refusal", at: "\(partPath).refusal"))])
                    default: throw TranslationError.unsupported("\(partPath).type", "assistant content parts must be text or refusal")
                    }
                }
            } else {
                throw TranslationError.invalidRequest("'\(path).content' must be a string or an array of content parts", param: "\(path).content")
            }
        }
        for call in try OpenAIToolCall.calls(of: message, at: path) {
            blocks.append(["toolUse": ["toolUseId": .string(call.id), "name": .string(call.name), "input": call.arguments]])
        }
        return blocks
    }
}
