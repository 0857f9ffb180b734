import SluiceCore

extension Array where Element == BudgetSettlement {
    /// The settlements summed per period and instance (for non-negative amounts the same as
    /// applying them one by one), sorted so that concurrent transactions lock the same rows in the
    /// same order and cannot deadlock one another.
    func mergedByPeriodAndInstance() -> [BudgetSettlement] {
        var totals: [SettlementTarget: Int64] = [:]
        for settlement in self {
            let target = SettlementTarget(key: settlement.key, instanceID: settlement.instanceID)
            totals[target] = totals[target, default: 0].addingWithSaturation(settlement.amount)
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
