extension RateTakeRequest {
    /// The GCRA step for a cell whose theoretical arrival time is `storedTAT` (nil for a new
    /// cell): the decision, and the TAT to store when the take is allowed.
    func step(storedTAT: Int64?) -> (decision: RateDecision, newTAT: Int64?) {
        let start = max(storedTAT ?? self.nowMicros, self.nowMicros)
        let newTAT = start + self.cost * self.emissionIntervalMicros
        let allowedAt = newTAT - self.burstToleranceMicros
        if allowedAt <= self.nowMicros {
            return (.allowed, newTAT)
        }
        return (.denied(retryAfterMicros: allowedAt - self.nowMicros), nil)
    }
}
