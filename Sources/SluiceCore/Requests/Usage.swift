/// Token counts of one request, as the upstream reported them, each clamped to
/// `0...Usage.maximumCount`: an upstream's word is not trusted to be sane, and sums over
/// requests (ledger, budgets, live figures) must stay far from overflow.
///
/// `promptTokens` has OpenAI's meaning: every input token, those read from and written to the
/// provider's prompt cache included. Anthropic counts cache reads and writes apart from its
/// `input_tokens`, and bills them apart; ``init(uncachedInput:cacheRead:cacheWrite:oneHourCacheWrite:output:)``
/// adds them up.
public struct Usage: Sendable, Equatable {
    /// No request comes near 2^32 tokens; a count above it is an upstream's error, kept at the cap.
    public static let maximumCount = 1 << 32

    public var promptTokens: Int
    public var completionTokens: Int
    /// Prompt tokens served from the provider's prompt cache, when reported; at most the prompt tokens.
    public var cachedPromptTokens: Int
    /// Prompt tokens written to the provider's prompt cache (billed dearer than plain input by
    /// Anthropic); at most the prompt tokens not read from it.
    public var cacheWritePromptTokens: Int
    /// Of the cache writes, those kept for an hour rather than five minutes (Anthropic's
    /// `"ttl": "1h"`), billed dearer still; at most ``cacheWritePromptTokens``.
    public var oneHourCacheWritePromptTokens: Int

    public init(promptTokens: Int, completionTokens: Int, cachedPromptTokens: Int = 0, cacheWritePromptTokens: Int = 0, oneHourCacheWritePromptTokens: Int = 0) {
        self.promptTokens = Self.clamped(promptTokens)
        self.completionTokens = Self.clamped(completionTokens)
        self.cachedPromptTokens = min(Self.clamped(cachedPromptTokens), self.promptTokens)
        self.cacheWritePromptTokens = min(Self.clamped(cacheWritePromptTokens), self.promptTokens - self.cachedPromptTokens)
        self.oneHourCacheWritePromptTokens = min(Self.clamped(oneHourCacheWritePromptTokens), self.cacheWritePromptTokens)
    }

    /// Counts in Anthropic's terms, where the input tokens leave out the cache reads and writes.
    public init(uncachedInput: Int, cacheRead: Int, cacheWrite: Int, oneHourCacheWrite: Int = 0, output: Int) {
        let (read, write) = (Self.clamped(cacheRead), Self.clamped(cacheWrite))
        self.init(
            promptTokens: [Self.clamped(uncachedInput), read, write].sumWithSaturation(), completionTokens: output,
            cachedPromptTokens: read, cacheWritePromptTokens: write, oneHourCacheWritePromptTokens: oneHourCacheWrite
        )
    }

    public var totalTokens: Int { self.promptTokens.addingWithSaturation(self.completionTokens) }

    /// `count` within `0...maximumCount`.
    public static func clamped(_ count: Int) -> Int {
        min(max(count, 0), Self.maximumCount)
    }

    /// Reads an OpenAI `usage` object; nil when `member` is not one. A count that is not a
    /// whole number (`-3`, `1.5`, `1e400`, a string) reads as 0; one past `Int` as the cap.
    /// Cache writes are read from `prompt_tokens_details.cache_write_tokens`, where
    /// OpenAI-compatible services that resell Anthropic's caching report them.
    public init?(openAIUsage member: JSONMember, in bytes: UnsafeRawBufferPointer) {
        guard member.kind == .object else { return nil }
        let fields = JSONScanner.members(of: bytes, objectAt: member.value)
        func count(_ member: JSONMember?) -> Int {
            guard let member else { return 0 }
            return Self.count(member, in: bytes) ?? 0
        }
        var (cached, cacheWrite) = (0, 0)
        if let details = fields.member("prompt_tokens_details"), details.kind == .object {
            let detailFields = JSONScanner.members(of: bytes, objectAt: details.value)
            cached = count(detailFields.member("cached_tokens"))
            cacheWrite = count(detailFields.member("cache_write_tokens"))
        }
        self.init(
            promptTokens: count(fields.member("prompt_tokens")), completionTokens: count(fields.member("completion_tokens")),
            cachedPromptTokens: cached, cacheWritePromptTokens: cacheWrite
        )
    }

    /// The token count a number member holds, within `0...maximumCount`: a negative whole number
    /// or one that is not whole (`1.5`, `1e400`) reads as 0, one past `Int` as the cap. Nil when
    /// the member is no number at all (`null`, a string).
    public static func count(_ member: JSONMember, in bytes: UnsafeRawBufferPointer) -> Int? {
        guard member.kind == .number else { return nil }
        switch JSONValueReader.integerReading(member, in: bytes) {
        case .integer(let value): return Self.clamped(value)
        case .outOfRange(negative: false): return Self.maximumCount
        case .outOfRange(negative: true), .notAnInteger: return 0
        }
    }
}
