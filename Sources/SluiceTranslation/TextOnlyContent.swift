/// OpenAI content where only text may stand (system prompts, tool results): a string, or an
/// array of `text` parts.
enum TextOnlyContent {
    /// One text, with the part it came from (nil for a plain string).
    struct Text {
        let text: String
        let part: JSONValue?
    }

    /// The texts of `content`; none for a missing or empty string.
    /// - Throws: 400 for content of another shape or a part that is not text.
    static func texts(_ content: JSONValue?, at path: String) throws(TranslationError) -> [Text] {
        guard let content else { return [] }
        if let text = content.stringValue { return text.isEmpty ? [] : [Text(text: text, part: nil)] }
        guard let parts = content.arrayValue else {
            throw TranslationError.invalidRequest("'\(path)' must be a string or an array of content parts", param: path)
        }
        var texts: [Text] = []
        for (index, part) in parts.enumerated() {
            guard part["type"]?.stringValue == "text" else {
                throw TranslationError.unsupported("\(path)[\(index)].type", "only text parts are allowed here")
            }
            texts.append(Text(text: try part.requiredString("text", at: "\(path)[\(index)].text"), part: part))
        }
        return texts
    }
}
