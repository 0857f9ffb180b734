import SluiceCore

/// What a stream has produced so far, kept so that when its upstream dies mid-answer the answer
/// can continue on another deployment (``ContinuationRequest``).
///
/// Only a plain text answer can continue: one choice, no tool calls, no reasoning, not finished.
struct StreamResumePoint {
    /// The answer so far: the inside of the JSON strings of choice 0's text, concatenated.
    private(set) var text: [UInt8] = []
    /// Events that carried text: OpenAI-compatible servers send about one token per event.
    private(set) var producedTokens = 0
    private(set) var canContinue = true
    /// The stream's `id` as the client first saw it (quoted), so that continued events carry it.
    private(set) var streamID: [UInt8]?

    /// Notes one event. Returns true when the event only announces the assistant's role, which a
    /// continued stream must not repeat.
    mutating func note(_ members: [JSONMember], in data: UnsafeRawBufferPointer) -> Bool {
        if self.streamID == nil, let id = members.member("id"), id.kind == .string {
            self.streamID = Array(UnsafeRawBufferPointer(rebasing: data[id.value]))
        }
        guard let choices = members.member("choices"), choices.kind == .array else { return false }
        var roleOnly = false
        for element in JSONScanner.elements(of: data, arrayAt: choices.value) where data[element.lowerBound] == UInt8(ascii: "{") {
            let choice = JSONScanner.members(of: data, objectAt: element)
            if let index = choice.member("index").flatMap({ JSONValueReader.integer($0, in: data) }), index != 0 { self.canContinue = false }
            if let finish = choice.member("finish_reason"), finish.kind != .null { self.canContinue = false }
            var text = choice.member("text")
            if let delta = choice.member("delta"), delta.kind == .object {
                let fields = JSONScanner.members(of: data, objectAt: delta.value)
                for key in ["tool_calls", "function_call", "reasoning_content", "reasoning"] {
                    if let member = fields.member(key), member.kind != .null { self.canContinue = false }
                }
                text = fields.member("content")
                roleOnly = fields.member("role") != nil && (text.map { $0.kind == .null || $0.value.count <= 2 } ?? true)
            }
            if let text, text.kind == .string, text.value.count > 2 {
                self.text.append(contentsOf: UnsafeRawBufferPointer(rebasing: data[(text.value.lowerBound + 1)..<(text.value.upperBound - 1)]))
                self.producedTokens += 1
            }
        }
        return roleOnly
    }
}
