/// Token counts of one request, as the upstream reported them, each clamped to
/// `0...Usage.maximumCount`: an upstream's word is not trusted to be sane, and sums over
/// requests (ledger, budgets, live figures) must stay far from overflow.
public struct Usage: Sendable, Equatable {
    /// No request comes near 2^32 tokens; a count above it is an upstream's error, kept at the cap.
    public static let maximumCount = 1 << 32

    public var promptTokens: Int
    public var completionTokens: Int
    /// Prompt tokens served from the provider's prompt cache, when reported; at most the prompt tokens.
    public var cachedPromptTokens: Int

    public init(promptTokens: Int, completionTokens: Int, cachedPromptTokens: Int = 0) {
        self.promptTokens = Self.clamped(promptTokens)
        self.completionTokens = Self.clamped(completionTokens)
        self.cachedPromptTokens = min(Self.clamped(cachedPromptTokens), self.promptTokens)
    }

    public var totalTokens: Int { self.promptTokens.addingWithSaturation(self.completionTokens) }

    /// `count` within `0...maximumCount`.
    public static func clamped(_ count: Int) -> Int {
        min(max(count, 0), Self.maximumCount)
    }

    /// Reads an OpenAI `usage` object; nil when `member` is not one. A count that is not a
    /// whole number (`-3`, `1.5`, `1e400`, a string) reads as 0; one past `Int` as the cap.
    public init?(openAIUsage member: JSONMember, in bytes: UnsafeRawBufferPointer) {
        guard member.kind == .object else { return nil }
        let fields = JSONScanner.members(of: bytes, objectAt: member.value)
        func count(_ member: JSONMember?) -> Int {
            guard let member else { return 0 }
            switch JSONValueReader.integerReading(member, in: bytes) {
            case .integer(let value): return value  // a negative one is clamped to 0 below
            case .outOfRange(negative: false): return Self.maximumCount
            case .outOfRange(negative: true), .notAnInteger: return 0
            }
        }
        var cached = 0
        if let details = fields.member("prompt_tokens_details"), details.kind == .object {
            cached = count(JSONScanner.members(of: bytes, objectAt: details.value).member("cached_tokens"))
        }
        self.init(promptTokens: count(fields.member("prompt_tokens")), completionTokens: count(fields.member("completion_tokens")), cachedPromptTokens: cached)
    }
}
