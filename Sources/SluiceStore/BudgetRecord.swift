/// A spending cap on a key or a tenant, optionally for one model, per period.
public struct BudgetRecord: Sendable, Equatable, Codable {
    public enum Scope: String, Sendable, Codable, CaseIterable {
        case key
        case tenant
    }

    /// What the limit counts.
    public enum Unit: String, Sendable, Codable, CaseIterable {
        /// Prompt + completion tokens.
        case tokens
        /// Micro-dollars (1 USD = 1,000,000).
        case microUSD = "micro_usd"
    }

    /// When the count starts again (UTC).
    public enum Period: String, Sendable, Codable, CaseIterable {
        case day
        case month
        case total
    }

    public var id: String
    public var scope: Scope
    /// The key id or tenant id the budget applies to.
    public var scopeID: String
    /// A public model name, or nil for every model.
    public var model: String?
    public var unit: Unit
    public var period: Period
    public var limit: Int64
    public var createdAt: UnixTime

    public init(id: String, scope: Scope, scopeID: String, model: String? = nil, unit: Unit, period: Period, limit: Int64, createdAt: UnixTime) {
        self.id = id
        self.scope = scope
        self.scopeID = scopeID
        self.model = model
        self.unit = unit
        self.period = period
        self.limit = limit
        self.createdAt = createdAt
    }
}
