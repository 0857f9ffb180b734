import SluiceCore

extension BudgetLeaseRequest {
    /// Leases renewed after this time still count; older ones belong to instances that are gone.
    var liveAfter: UnixTime { self.now.subtractingWithSaturation(self.leaseTTL) }

    /// What this request may be granted when the period has `spent` and live leases of every
    /// instance (this one's included) hold `leased`: as much as asked, at most what is left.
    func grant(spent: Int64, leased: Int64) -> Int64 {
        max(0, min(self.amount, self.limit.subtractingWithSaturation(spent).subtractingWithSaturation(leased)))
    }
}
