extension BudgetLeaseRequest {
    /// Leases renewed after this time still count; older ones belong to instances that are gone.
    var liveAfter: UnixTime { self.now - self.leaseTTL }

    /// What this request may be granted when the period has `spent` and live leases of every
    /// instance (this one's included) hold `leased`: as much as asked, at most what is left.
    func grant(spent: Int64, leased: Int64) -> Int64 {
        max(0, min(self.amount, self.limit - spent - leased))
    }
}

extension Array where Element == BudgetSettlement {
    /// The settlements summed per period and instance, in a fixed order so that transactions
    /// lock the same rows in the same order and cannot deadlock one another.
    func mergedByPeriodAndInstance() -> [BudgetSettlement] {
        var totals: [SettlementTarget: Int64] = [:]
        for settlement in self {
            totals[SettlementTarget(key: settlement.key, instanceID: settlement.instanceID), default: 0] += settlement.amount
        }
        return totals
            .map { BudgetSettlement(key: $0.key.key, instanceID: $0.key.instanceID, amount: $0.value) }
            .sorted { ($0.key.budgetID, $0.key.periodStart, $0.instanceID) < ($1.key.budgetID, $1.key.periodStart, $1.instanceID) }
    }
}

private struct SettlementTarget: Hashable {
    var key: BudgetPeriodKey
    var instanceID: String
}
