/// Tenants, virtual keys, budgets, rate limits and the usage ledger. Without a store the gateway
/// knows only the static `auth.api_keys` and keeps no ledger.
public struct GovernanceSettings: Sendable, Equatable {
    /// Where governance state lives.
    public enum Store: Sendable, Equatable {
        /// An SQLite file: one gateway process.
        case sqlite(path: String)
        /// A PostgreSQL database (`postgres://user:password@host:port/database`): several
        /// gateway processes share keys, budgets, rate limits and the ledger.
        case postgres(url: Secret)
    }

    public var store: Store?
    /// The key that may use `/admin/`; nil leaves the admin API closed.
    public var adminKey: Secret?
    /// Rate limits per client IP address; nil for none.
    public var requestsPerMinutePerIP: Int?
    /// Defaults for virtual keys that set no limits of their own; nil for none.
    public var requestsPerMinutePerKey: Int?
    public var tokensPerMinutePerKey: Int?
    /// The output bound of a request that sets no `max_tokens`, on a deployment with neither
    /// `max_output_tokens` nor `context_window`, when a budget applies: reserved, and sent
    /// upstream as `max_tokens` so that it holds.
    public var defaultMaxOutputTokens = 4096
    /// How often the ledger's buffered rows are written.
    public var ledgerFlushInterval: Duration = .milliseconds(200)
    /// How often keys are read again from the store (revocations by other instances).
    public var keyRefreshInterval: Duration = .seconds(5)
    /// How long a budget lease held by an instance that stopped renewing it keeps counting.
    public var leaseTTL: Duration = .seconds(30)
    /// Ledger rows kept in memory while the store cannot be reached; older batches beyond this go
    /// to files in ``ledgerSpillDirectory``, written to the store when it is back.
    public var ledgerBufferRows = 100_000
    /// Where ledger batches wait on disk while the store cannot be reached (and across a restart).
    public var ledgerSpillDirectory = "sluice-ledger-spill"
    /// Whether requests under a budget are served when the store cannot grant more capacity.
    public var budgetsWhenStoreUnreachable = BudgetOutagePolicy.closed
    /// How long keys already known keep working while the store cannot be reached (revocations
    /// made elsewhere are not seen meanwhile).
    public var knownKeysWhenStoreUnreachable: Duration = .seconds(600)

    public init() {}
}

/// What a budget does when more capacity is needed and the store cannot be reached.
public enum BudgetOutagePolicy: String, Sendable, Equatable, CaseIterable {
    /// Refuse the request (503): a budget is never overshot.
    case closed
    /// Serve it unreserved: spend is recorded when the store is back, and may pass the limit.
    case open
}

/// A rate limit on a deployment, so that its provider's own quota is never hit.
public struct DeploymentRateLimit: Sendable, Equatable {
    public var requestsPerMinute: Int?
    public var tokensPerMinute: Int?

    public init(requestsPerMinute: Int? = nil, tokensPerMinute: Int? = nil) {
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
    }
}
