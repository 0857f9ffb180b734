/// Builds the request that continues a stream on another deployment after the first one died
/// mid-answer: the original request with the text produced so far as the start of the answer.
///
/// For chat, the partial text becomes a final assistant message that the server continues
/// (`continue_final_message: true`, `add_generation_prompt: false`, as vLLM and SGLang take
/// them); for completions it is appended to the prompt. The output limit shrinks by the tokens
/// already produced, so the whole answer keeps to the client's limit.
public enum ContinuationRequest {
    /// - Parameters:
    ///   - bytes: the client's request body.
    ///   - partialText: the answer so far, as the inside of a JSON string (escaped, no quotes).
    ///   - producedTokens: how many tokens the partial answer took.
    /// - Returns: the continuation's body, or nil when the request cannot be continued (a
    ///   completions prompt that is not a single string).
    public static func body(
        of summary: InferenceRequest, bytes: UnsafeRawBufferPointer, partialText: [UInt8], producedTokens: Int
    ) -> [UInt8]? {
        var edits: [BodyEdit] = []
        switch summary.endpoint {
        case .chatCompletions:
            guard let messages = summary.members.member("messages"), messages.kind == .array else { return nil }
            let closing = messages.value.upperBound - 1
            let separator = JSONScanner.elements(of: bytes, arrayAt: messages.value).isEmpty ? "" : ","
            edits.append(BodyEdit(
                range: closing..<closing,
                replacement: Array(#"\#(separator){"role":"assistant","content":""#.utf8) + partialText + Array(#""}"#.utf8)
            ))
            edits += self.flag("continue_final_message", true, in: summary, bytes: bytes)
            edits += self.flag("add_generation_prompt", false, in: summary, bytes: bytes)
        case .completions:
            guard let prompt = summary.members.member("prompt"), prompt.kind == .string else { return nil }
            let closingQuote = prompt.value.upperBound - 1
            edits.append(BodyEdit(range: closingQuote..<closingQuote, replacement: partialText))
        case .embeddings, .responses:
            return nil
        }
        for key in summary.endpoint.outputLimitKeys {
            guard let member = summary.members.member(key), let limit = JSONValueReader.integer(member, in: bytes) else { continue }
            edits.append(BodyEdit(range: member.value, replacement: String(max(1, limit - producedTokens))))
        }
        return BodyEdit.apply(edits.sorted { $0.range.lowerBound < $1.range.lowerBound }, to: bytes)
    }

    /// Sets a top-level boolean: replaces the member when the client sent it, adds it otherwise.
    private static func flag(_ key: String, _ value: Bool, in summary: InferenceRequest, bytes: UnsafeRawBufferPointer) -> [BodyEdit] {
        if let member = summary.members.member(key) {
            return [BodyEdit(range: member.value, replacement: String(value))]
        }
        let end = summary.members.map(\.value.upperBound).max() ?? 1
        return [BodyEdit(range: end..<end, replacement: ",\(JSONString.quoted(key)):\(value)")]
    }
}
