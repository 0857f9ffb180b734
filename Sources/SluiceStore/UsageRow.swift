/// One finished request in the usage ledger.
public struct UsageRow: Sendable, Equatable, Codable {
    public var requestID: String
    /// Milliseconds since 1970 UTC when the request finished.
    public var finishedAtMillis: Int64
    public var keyID: String?
    public var tenantID: String?
    /// The public model the client asked for.
    public var model: String
    /// The public model that answered (a fallback's name when one did).
    public var servedModel: String?
    public var deployment: String?
    public var endpoint: String
    public var stream: Bool
    public var status: Int
    public var attempts: Int
    public var promptTokens: Int
    public var completionTokens: Int
    public var cachedTokens: Int
    public var costMicroUSD: Int64
    public var latencyMicros: Int64
    public var timeToFirstTokenMicros: Int64?
    public var errorCode: String?

    public init(
        requestID: String, finishedAtMillis: Int64, keyID: String?, tenantID: String?, model: String, servedModel: String?,
        deployment: String?, endpoint: String, stream: Bool, status: Int, attempts: Int, promptTokens: Int, completionTokens: Int,
        cachedTokens: Int, costMicroUSD: Int64, latencyMicros: Int64, timeToFirstTokenMicros: Int64?, errorCode: String?
    ) {
        self.requestID = requestID
        self.finishedAtMillis = finishedAtMillis
        self.keyID = keyID
        self.tenantID = tenantID
        self.model = model
        self.servedModel = servedModel
        self.deployment = deployment
        self.endpoint = endpoint
        self.stream = stream
        self.status = status
        self.attempts = attempts
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedTokens = cachedTokens
        self.costMicroUSD = costMicroUSD
        self.latencyMicros = latencyMicros
        self.timeToFirstTokenMicros = timeToFirstTokenMicros
        self.errorCode = errorCode
    }
}

/// Which ledger rows a usage or spend query covers. Nil fields do not filter.
public struct UsageQuery: Sendable, Equatable {
    public var keyID: String?
    public var tenantID: String?
    public var model: String?
    /// Inclusive, milliseconds since 1970 UTC.
    public var fromMillis: Int64?
    /// Exclusive, milliseconds since 1970 UTC.
    public var untilMillis: Int64?
    /// Most rows returned by ``GovernanceStore/usage(_:)``.
    public var limit: Int

    public init(keyID: String? = nil, tenantID: String? = nil, model: String? = nil, fromMillis: Int64? = nil, untilMillis: Int64? = nil, limit: Int = 100) {
        self.keyID = keyID
        self.tenantID = tenantID
        self.model = model
        self.fromMillis = fromMillis
        self.untilMillis = untilMillis
        self.limit = limit
    }
}

/// Ledger totals for one tenant, model and UTC day.
public struct SpendRow: Sendable, Equatable, Codable {
    public var tenantID: String?
    public var model: String
    /// `YYYY-MM-DD`, UTC.
    public var day: String
    public var requests: Int
    public var promptTokens: Int
    public var completionTokens: Int
    public var cachedTokens: Int
    public var costMicroUSD: Int64

    public init(tenantID: String?, model: String, day: String, requests: Int, promptTokens: Int, completionTokens: Int, cachedTokens: Int, costMicroUSD: Int64) {
        self.tenantID = tenantID
        self.model = model
        self.day = day
        self.requests = requests
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedTokens = cachedTokens
        self.costMicroUSD = costMicroUSD
    }
}
