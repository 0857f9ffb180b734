/// An OpenAI conversation as Gemini shapes it: system parts apart, and contents of role `user`
/// or `model`, tool results as `functionResponse` parts of a `user` content. A tool call whose id
/// carries a thought signature (``GeminiToolCallID``) goes back with it as its part's
/// `thoughtSignature`.
struct GeminiConversation {
    var system: [JSONValue] = []
    var contents = AlternatingTurns()
    /// Function names by tool call id, for the `functionResponse` that answers each call.
    private var functionNames: [String: String] = [:]

    mutating func add(_ message: JSONValue, at path: String) throws(TranslationError) {
        let role = try message.requiredString("role", at: "\(path).role")
        switch role {
        case "system", "developer":
            self.system += try Self.textParts(message.present("content"), at: "\(path).content")
        case "user":
            self.contents.append(try Self.userParts(message.present("content"), at: "\(path).content"), role: "user")
        case "assistant":
            self.contents.append(try self.modelParts(message, at: path), role: "model")
        case "tool":
            let id = try message.requiredString("tool_call_id", at: "\(path).tool_call_id")
            guard let name = self.functionNames[id] else {
                throw TranslationError.invalidRequest("'\(path).tool_call_id' answers no earlier assistant tool call", param: "\(path).tool_call_id")
            }
            let text = try TextOnlyContent.texts(message.present("content"), at: "\(path).content").map(\.text).joined()
            let response = (try? JSONValue.parseObject(text.utf8)) ?? ["content": .string(text)]
            self.contents.append([["functionResponse": ["name": .string(name), "response": response]]], role: "user")
        default:
            throw TranslationError.unsupported("\(path).role", "the role '\(role)' has no equivalent")
        }
    }

    /// Text-only content: a string or text parts.
    private static func textParts(_ content: JSONValue?, at path: String) throws(TranslationError) -> [JSONValue] {
        try TextOnlyContent.texts(content, at: path).map { ["text": .string($0.text)] }
    }

    private static func userParts(_ content: JSONValue?, at path: String) throws(TranslationError) -> [JSONValue] {
        guard let content else { return [] }
        if case .string = content { return try Self.textParts(content, at: path) }
        guard let parts = content.arrayValue else {
            throw TranslationError.invalidRequest("'\(path)' must be a string or an array of content parts", param: path)
        }
        var output: [JSONValue] = []
        for (index, part) in parts.enumerated() {
            let partPath = "\(path)[\(index)]"
            switch part["type"]?.stringValue {
            case "text":
                output.append(["text": .string(try part.requiredString("text", at: "\(partPath).text"))])
            case "image_url":
                let url = try part.present("image_url")?.requiredString("url", at: "\(partPath).image_url.url")
                guard let url else { throw TranslationError.invalidRequest("'\(partPath).image_url.url' must be a string", param: "\(partPath).image_url.url") }
                guard let image = DataURL(url) else {
                    throw TranslationError.unsupported("\(partPath).image_url.url", "only base64 data: URLs can be sent inline")
                }
                output.append(["inlineData": ["mimeType": .string(image.mediaType), "data": .string(image.data)]])
            default:
                throw TranslationError.unsupported("\(partPath).type", "content parts of this type have no equivalent")
            }
        }
        return output
    }

    private mutating func modelParts(_ message: JSONValue, at path: String) throws(TranslationError) -> [JSONValue] {
        var parts: [JSONValue] = []
        if let content = message.present("content") {
            if let text = content.stringValue {
                if !text.isEmpty { parts.append(["text": .string(text)]) }
            } else if let contentParts = content.arrayValue {
                for (index, part) in contentParts.enumerated() {
                    let partPath = "\(path).content[\(index)]"
                    switch part["type"]?.stringValue {
                    case "text": parts.append(["text": .string(try part.requiredString("text", at: "\(partPath).text"))])
                    case "refusal": parts.append(["text": .string(try part.requiredString("refusal", at: "\(partPath).refusal"))])
                    default: throw TranslationError.unsupported("\(partPath).type", "assistant content parts must be text or refusal")
                    }
                }
            } else {
                throw TranslationError.invalidRequest("'\(path).content' must be a string or an array of content parts", param: "\(path).content")
            }
        }
        for call in try OpenAIToolCall.calls(of: message, at: path) {
            self.functionNames[call.id] = call.name
            var part = ObjectBuilder()
            part.set("functionCall", ["name": .string(call.name), "args": call.arguments])
            part.set("thoughtSignature", GeminiToolCallID.signature(in: call.id).map(JSONValue.string))
            parts.append(part.object)
        }
        return parts
    }
}
