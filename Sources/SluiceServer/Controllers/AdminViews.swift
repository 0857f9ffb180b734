import SluiceStore

/// The JSON shapes of the admin API and `/v1/usage` (encoded with snake_case keys).
enum AdminViews {
    /// A key as listed: everything but its hash.
    struct Key: Encodable {
        var id: String
        /// The key itself: only in the answer that creates it.
        var key: String?
        var name: String
        var tenantId: String?
        var allowedModels: [String]
        var metadata: [String: String]
        var requestsPerMinute: Int?
        var tokensPerMinute: Int?
        var createdAt: Int64
        var expiresAt: Int64?
        var revokedAt: Int64?

        init(_ record: VirtualKeyRecord, key: String? = nil) {
            self.id = record.id
            self.key = key
            self.name = record.name
            self.tenantId = record.tenantID
            self.allowedModels = record.allowedModels
            self.metadata = record.metadata
            self.requestsPerMinute = record.requestsPerMinute
            self.tokensPerMinute = record.tokensPerMinute
            self.createdAt = record.createdAt
            self.expiresAt = record.expiresAt
            self.revokedAt = record.revokedAt
        }
    }

    /// A budget with its current period: amounts in tokens, or in dollars for `usd`.
    struct Budget: Encodable {
        var id: String
        var scope: String
        var scopeId: String
        var model: String?
        var unit: String
        var period: String
        var limit: Double
        var spent: Double
        /// Held by gateway instances for requests in flight.
        var reserved: Double
        var periodStart: Int64
        var resetsAt: Int64?

        init(_ record: BudgetRecord, state: GovernanceAdmin.BudgetState? = nil) {
            let scale = record.unit == .tokens ? 1.0 : 1_000_000
            self.id = record.id
            self.scope = record.scope.rawValue
            self.scopeId = record.scopeID
            self.model = record.model
            self.unit = record.unit == .tokens ? "tokens" : "usd"
            self.period = record.period.rawValue
            self.limit = Double(record.limit) / scale
            self.spent = Double(state?.usage.spent ?? 0) / scale
            self.reserved = Double(state?.usage.leased ?? 0) / scale
            self.periodStart = state?.periodStart ?? BudgetPeriod.start(of: record.period, containing: WallClock.seconds())
            self.resetsAt = state?.resetsAt ?? BudgetPeriod.end(of: record.period, containing: WallClock.seconds())
        }
    }

    /// One ledger row, cost in dollars.
    struct Usage: Encodable {
        var requestId: String
        var finishedAt: Double
        var keyId: String?
        var tenantId: String?
        var model: String
        var servedModel: String?
        var deployment: String?
        var endpoint: String
        var stream: Bool
        var status: Int
        var attempts: Int
        var promptTokens: Int
        var completionTokens: Int
        var cachedTokens: Int
        var costUsd: Double
        var latencyMs: Double
        var timeToFirstTokenMs: Double?
        var errorCode: String?

        init(_ row: UsageRow) {
            self.requestId = row.requestID
            self.finishedAt = Double(row.finishedAtMillis) / 1000
            self.keyId = row.keyID
            self.tenantId = row.tenantID
            self.model = row.model
            self.servedModel = row.servedModel
            self.deployment = row.deployment
            self.endpoint = row.endpoint
            self.stream = row.stream
            self.status = row.status
            self.attempts = row.attempts
            self.promptTokens = row.promptTokens
            self.completionTokens = row.completionTokens
            self.cachedTokens = row.cachedTokens
            self.costUsd = Double(row.costMicroUSD) / 1_000_000
            self.latencyMs = Double(row.latencyMicros) / 1000
            self.timeToFirstTokenMs = row.timeToFirstTokenMicros.map { Double($0) / 1000 }
            self.errorCode = row.errorCode
        }
    }

    /// Totals for one tenant, model and day.
    struct Spend: Encodable {
        var tenantId: String?
        var model: String
        var day: String
        var requests: Int
        var promptTokens: Int
        var completionTokens: Int
        var cachedTokens: Int
        var costUsd: Double

        init(_ row: SpendRow) {
            self.tenantId = row.tenantID
            self.model = row.model
            self.day = row.day
            self.requests = row.requests
            self.promptTokens = row.promptTokens
            self.completionTokens = row.completionTokens
            self.cachedTokens = row.cachedTokens
            self.costUsd = Double(row.costMicroUSD) / 1_000_000
        }
    }

    /// `{"object":"list","data":[…]}`.
    struct List<Item: Encodable>: Encodable {
        var object = "list"
        var data: [Item]
    }

    /// What `POST /admin/reload` applied.
    struct Reload: Encodable {
        var status: String
        var models: Int
        /// Changed settings that wait for a restart.
        var restartRequired: [String]
    }
}
