import SluiceCore

/// The token counts of an Anthropic message, gathered from the `usage` objects its answer
/// carries. A whole message has one; a stream has one in `message_start` (the input counts and a
/// first output count) and one in each `message_delta` (the output count so far, and in newer API
/// versions the input and cache counts again). Each count a later object carries replaces the
/// earlier one: Anthropic's counts are cumulative, never increments.
///
/// Anthropic's `input_tokens` leave out the cache reads and writes, which are billed apart;
/// ``usage`` adds them up as OpenAI's `prompt_tokens` do and keeps them apart as well.
struct AnthropicUsageCounts {
    private var uncachedInput = 0
    private var cacheRead = 0
    private var cacheWrite = 0
    private var oneHourCacheWrite = 0
    private var output = 0

    /// The counts so far, each within `0...Usage.maximumCount`.
    var usage: Usage {
        Usage(
            uncachedInput: self.uncachedInput, cacheRead: self.cacheRead, cacheWrite: self.cacheWrite,
            oneHourCacheWrite: self.oneHourCacheWrite, output: self.output
        )
    }

    /// Counts of a first `usage` object; nil when `member` is not an object.
    init?(_ member: JSONMember, in bytes: UnsafeRawBufferPointer) {
        guard member.kind == .object else { return nil }
        self.merge(member, in: bytes)
    }

    /// Takes the counts a later `usage` object carries. Numbers are read as ``Usage/count(_:in:)``
    /// reads them (clamped, a fraction as 0); a count that is missing or no number (`null`)
    /// leaves the earlier one.
    mutating func merge(_ member: JSONMember, in bytes: UnsafeRawBufferPointer) {
        guard member.kind == .object else { return }
        let fields = JSONScanner.members(of: bytes, objectAt: member.value)
        func take(_ key: String, into count: inout Int, from fields: [JSONMember]) {
            if let field = fields.member(key), let value = Usage.count(field, in: bytes) { count = value }
        }
        take("input_tokens", into: &self.uncachedInput, from: fields)
        take("cache_read_input_tokens", into: &self.cacheRead, from: fields)
        take("cache_creation_input_tokens", into: &self.cacheWrite, from: fields)
        take("output_tokens", into: &self.output, from: fields)
        // The cache writes by lifetime: `{"ephemeral_5m_input_tokens": …, "ephemeral_1h_input_tokens": …}`.
        if let breakdown = fields.member("cache_creation"), breakdown.kind == .object {
            take("ephemeral_1h_input_tokens", into: &self.oneHourCacheWrite, from: JSONScanner.members(of: bytes, objectAt: breakdown.value))
        }
    }
}
