/// A chat assistant message's reasoning as the backend gave it, in the form a later request
/// gives it back: `reasoning_content` (the text) and `thinking_blocks` (Anthropic's blocks, each
/// with its signature, or redacted). This is the plaintext of a sealed `encrypted_content`, a
/// JSON object with those two members (each only when there was one).
///
/// Gemini's thought signatures need no envelope: they travel inside the tool call ids, which
/// come back as the `call_id`s of `function_call` items.
struct ResponsesReasoningForm {
    /// The reasoning text; empty when there was none.
    var text = ""
    var hasText = false
    var thinkingBlocks: [JSONValue] = []

    var isEmpty: Bool { !self.hasText && self.thinkingBlocks.isEmpty }

    mutating func add(text: String) {
        self.text += text
        self.hasText = true
    }

    /// The reasoning of a chat message (or of one streamed delta).
    mutating func add(message: JSONValue) {
        if let text = message.present("reasoning_content")?.stringValue ?? message.present("reasoning")?.stringValue, !text.isEmpty {
            self.add(text: text)
        }
        if let blocks = message.present("thinking_blocks")?.arrayValue {
            self.thinkingBlocks += blocks.filter { $0.objectMembers != nil }
        }
    }

    /// Adds a form opened from an envelope, for the message that follows it.
    mutating func add(_ other: ResponsesReasoningForm) {
        if other.hasText { self.add(text: other.text) }
        self.thinkingBlocks += other.thinkingBlocks
    }

    /// The envelope's plaintext.
    var plaintext: [UInt8] {
        var form = ObjectBuilder()
        form.set("reasoning_content", self.hasText ? .string(self.text) : nil)
        form.set("thinking_blocks", self.thinkingBlocks.isEmpty ? nil : .array(self.thinkingBlocks))
        return form.object.serialized
    }

    /// The form in an envelope's plaintext; nil when it is not one.
    init?(plaintext: [UInt8]) {
        guard let form = try? JSONValue.parseObject(plaintext) else { return nil }
        self.add(message: form)
    }

    init() {}

    /// The members to set on the chat assistant message.
    var messageMembers: [(key: String, value: JSONValue)] {
        var members: [(key: String, value: JSONValue)] = []
        if self.hasText { members.append((key: "reasoning_content", value: .string(self.text))) }
        if !self.thinkingBlocks.isEmpty { members.append((key: "thinking_blocks", value: .array(self.thinkingBlocks))) }
        return members
    }
}
