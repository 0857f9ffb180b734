import NIOCore
import SluiceCore

/// What was said in a request, kept for the audit log when its config asks for content.
public struct RequestContent: Sendable {
    /// The request's `messages`, `prompt` or `input`, as the JSON it was sent as.
    public var prompt: [UInt8]
    /// The answer's text (choice 0) as a JSON string, quotes included; nil when there was none.
    public var completion: [UInt8]?

    /// A JSON string of text already escaped for JSON (the inside of a JSON string).
    static func quoted(escaped text: some Collection<UInt8>) -> [UInt8] {
        [UInt8(ascii: "\"")] + text + [UInt8(ascii: "\"")]
    }
}

extension RequestContent {
    /// The prompt of an OpenAI-shaped request body: its `messages`, `prompt` or `input`.
    init(request summary: InferenceRequest, body: ByteBuffer) {
        let member = summary.members.member("messages") ?? summary.members.member("prompt") ?? summary.members.member("input")
        self.prompt = member.map { member in body.withUnsafeReadableBytes { Array($0[member.value]) } } ?? Array("null".utf8)
    }

    /// The text of choice 0 of an OpenAI-shaped answer (`message.content` or `text`), as its JSON string.
    static func completion(ofAnswer body: ByteBuffer) -> [UInt8]? {
        body.withUnsafeReadableBytes { bytes -> [UInt8]? in
            guard let members = try? JSONScanner.topLevelMembers(of: bytes), let choices = members.member("choices"), choices.kind == .array,
                let first = JSONScanner.elements(of: bytes, arrayAt: choices.value).first, bytes[first.lowerBound] == UInt8(ascii: "{")
            else { return nil }
            let choice = JSONScanner.members(of: bytes, objectAt: first)
            var text = choice.member("text")
            if let message = choice.member("message"), message.kind == .object {
                text = JSONScanner.members(of: bytes, objectAt: message.value).member("content")
            }
            guard let text, text.kind == .string else { return nil }
            return Array(bytes[text.value])
        }
    }
}

extension RequestContent {
    /// The text of an Anthropic message's first text block, as its JSON string.
    static func completion(ofAnthropicMessage body: ByteBuffer) -> [UInt8]? {
        body.withUnsafeReadableBytes { bytes -> [UInt8]? in
            guard let members = try? JSONScanner.topLevelMembers(of: bytes), let content = members.member("content"), content.kind == .array else {
                return nil
            }
            for block in JSONScanner.elements(of: bytes, arrayAt: content.value) where bytes[block.lowerBound] == UInt8(ascii: "{") {
                let fields = JSONScanner.members(of: bytes, objectAt: block)
                guard let type = fields.member("type"), JSONValueReader.string(type, in: bytes) == "text", let text = fields.member("text"),
                    text.kind == .string
                else { continue }
                return Array(bytes[text.value])
            }
            return nil
        }
    }
}
