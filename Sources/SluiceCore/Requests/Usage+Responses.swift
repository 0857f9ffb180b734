extension Usage {
    /// Reads a Responses API `usage` object (`input_tokens`, `output_tokens`,
    /// `input_tokens_details.cached_tokens`); nil when `member` is not one. Counts are read as
    /// ``count(_:in:)`` reads them.
    public init?(responsesUsage member: JSONMember, in bytes: UnsafeRawBufferPointer) {
        guard member.kind == .object else { return nil }
        let fields = JSONScanner.members(of: bytes, objectAt: member.value)
        func count(_ member: JSONMember?) -> Int {
            guard let member else { return 0 }
            return Self.count(member, in: bytes) ?? 0
        }
        var cached = 0
        if let details = fields.member("input_tokens_details"), details.kind == .object {
            cached = count(JSONScanner.members(of: bytes, objectAt: details.value).member("cached_tokens"))
        }
        self.init(promptTokens: count(fields.member("input_tokens")), completionTokens: count(fields.member("output_tokens")), cachedPromptTokens: cached)
    }
}
