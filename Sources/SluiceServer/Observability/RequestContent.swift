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
    /// The answer's text as its JSON string, from a whole answer in `dialect`.
    static func completion(of body: ByteBuffer, in dialect: WireDialect) -> [UInt8]? {
        switch dialect {
        case .openAIChat: Self.completion(ofAnswer: body)
        case .anthropicMessages: Self.completion(ofAnthropicMessage: body)
        case .openAIResponses: Self.completion(ofResponse: body)
        }
    }

    /// The text of an Anthropic message's first text block, as its JSON string.
    static func completion(ofAnthropicMessage body: ByteBuffer) -> [UInt8]? {
        body.withUnsafeReadableBytes { bytes -> [UInt8]? in
            guard let members = try? JSONScanner.topLevelMembers(of: bytes), let content = members.member("content"), content.kind == .array else {
                return nil
            }
            return Self.firstText(ofBlocks: content, typed: "text", in: bytes)
        }
    }

    /// The text of a Responses API answer's first `output_text` part, as its JSON string.
    static func completion(ofResponse body: ByteBuffer) -> [UInt8]? {
        body.withUnsafeReadableBytes { bytes -> [UInt8]? in
            guard let members = try? JSONScanner.topLevelMembers(of: bytes), let output = members.member("output"), output.kind == .array else {
                return nil
            }
            for item in JSONScanner.elements(of: bytes, arrayAt: output.value) where bytes[item.lowerBound] == UInt8(ascii: "{") {
                let fields = JSONScanner.members(of: bytes, objectAt: item)
                guard let content = fields.member("content"), content.kind == .array,
                    let text = Self.firstText(ofBlocks: content, typed: "output_text", in: bytes)
                else { continue }
                return text
            }
            return nil
        }
    }

    /// The `text` of the first object in the array `blocks` whose `type` is `type`.
    private static func firstText(ofBlocks blocks: JSONMember, typed type: String, in bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        for block in JSONScanner.elements(of: bytes, arrayAt: blocks.value) where bytes[block.lowerBound] == UInt8(ascii: "{") {
            let fields = JSONScanner.members(of: bytes, objectAt: block)
            guard let blockType = fields.member("type"), JSONValueReader.string(blockType, in: bytes) == type, let text = fields.member("text"),
                text.kind == .string
            else { continue }
            return Array(bytes[text.value])
        }
        return nil
    }
}
