/// One budget's counters for one period.
public struct BudgetPeriodKey: Sendable, Hashable, Codable {
    public var budgetID: String
    /// The period's first second (UTC); 0 for a `total` budget.
    public var periodStart: UnixTime

    public init(budgetID: String, periodStart: UnixTime) {
        self.budgetID = budgetID
        self.periodStart = periodStart
    }
}

/// A gateway instance asking for a slice of a budget's capacity.
public struct BudgetLeaseRequest: Sendable, Equatable {
    public var key: BudgetPeriodKey
    public var instanceID: String
    /// How much the instance wants; it may be granted less.
    public var amount: Int64
    /// The budget's limit (the store checks it against spend + live leases).
    public var limit: Int64
    public var now: UnixTime
    /// Seconds after its last renewal that a lease stops counting.
    public var leaseTTL: Int64

    public init(key: BudgetPeriodKey, instanceID: String, amount: Int64, limit: Int64, now: UnixTime, leaseTTL: Int64) {
        self.key = key
        self.instanceID = instanceID
        self.amount = amount
        self.limit = limit
        self.now = now
        self.leaseTTL = leaseTTL
    }
}

/// Spend recorded against a budget period by one instance, taken out of its lease.
public struct BudgetSettlement: Sendable, Equatable, Codable {
    public var key: BudgetPeriodKey
    public var instanceID: String
    public var amount: Int64

    public init(key: BudgetPeriodKey, instanceID: String, amount: Int64) {
        self.key = key
        self.instanceID = instanceID
        self.amount = amount
    }
}

/// A budget period's state in the store.
public struct BudgetUsage: Sendable, Equatable {
    /// Settled spend.
    public var spent: Int64
    /// Capacity held by live leases of every instance.
    public var leased: Int64

    public init(spent: Int64, leased: Int64) {
        self.spent = spent
        self.leased = leased
    }
}
