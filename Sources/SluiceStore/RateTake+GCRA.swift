import SluiceCore

extension RateTakeRequest {
    /// The GCRA step for a cell whose theoretical arrival time is `storedTAT` (nil for a new
    /// cell): the decision, and the TAT to store when the take is allowed. Saturates, so no cost,
    /// interval or stored time can make it trap.
    func step(storedTAT: Int64?) -> (decision: RateDecision, newTAT: Int64?) {
        let start = max(storedTAT ?? self.nowMicros, self.nowMicros)
        let newTAT = start.addingWithSaturation(self.cost.multipliedWithSaturation(by: self.emissionIntervalMicros))
        let allowedAt = newTAT.subtractingWithSaturation(self.burstToleranceMicros)
        if allowedAt <= self.nowMicros {
            return (.allowed, newTAT)
        }
        return (.denied(retryAfterMicros: allowedAt.subtractingWithSaturation(self.nowMicros)), nil)
    }
}
