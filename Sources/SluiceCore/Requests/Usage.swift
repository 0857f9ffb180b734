/// Token counts of one request, as the upstream reported them.
public struct Usage: Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int
    /// Prompt tokens served from the provider's prompt cache, when reported.
    public var cachedPromptTokens: Int

    public init(promptTokens: Int, completionTokens: Int, cachedPromptTokens: Int = 0) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedPromptTokens = cachedPromptTokens
    }

    public var totalTokens: Int { self.promptTokens + self.completionTokens }

    /// Reads an OpenAI `usage` object; nil when `member` is not one.
    public init?(openAIUsage member: JSONMember, in bytes: UnsafeRawBufferPointer) {
        guard member.kind == .object else { return nil }
        let fields = JSONScanner.members(of: bytes, objectAt: member.value)
        func count(_ key: String) -> Int { fields.member(key).flatMap { JSONValueReader.integer($0, in: bytes) } ?? 0 }
        var cached = 0
        if let details = fields.member("prompt_tokens_details"), details.kind == .object {
            let detailFields = JSONScanner.members(of: bytes, objectAt: details.value)
            cached = detailFields.member("cached_tokens").flatMap { JSONValueReader.integer($0, in: bytes) } ?? 0
        }
        self.init(promptTokens: count("prompt_tokens"), completionTokens: count("completion_tokens"), cachedPromptTokens: cached)
    }
}
