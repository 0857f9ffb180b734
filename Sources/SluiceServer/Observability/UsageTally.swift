import SluiceCore

/// Requests, errors, tokens and spend, summed.
struct UsageTally: Sendable {
    var requests: Int64 = 0
    /// Requests whose client saw a status of 400 or more.
    var errors: Int64 = 0
    var inputTokens: Int64 = 0
    var outputTokens: Int64 = 0
    var costMicroUSD: Int64 = 0

    init() {}

    /// One finished request.
    init(_ record: RequestRecord) {
        self.requests = 1
        self.errors = record.status >= 400 ? 1 : 0
        self.inputTokens = Int64(record.usage?.promptTokens ?? 0)
        self.outputTokens = Int64(record.usage?.completionTokens ?? 0)
        self.costMicroUSD = record.costMicroUSD
    }

    mutating func add(_ other: UsageTally) {
        self.requests += other.requests
        self.errors += other.errors
        // Tokens and spend come from upstreams and prices: saturate rather than trap.
        self.inputTokens = self.inputTokens.addingWithSaturation(other.inputTokens)
        self.outputTokens = self.outputTokens.addingWithSaturation(other.outputTokens)
        self.costMicroUSD = self.costMicroUSD.addingWithSaturation(other.costMicroUSD)
    }
}
