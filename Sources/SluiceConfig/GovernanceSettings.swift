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

    public init() {}
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
