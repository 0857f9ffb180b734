/// The generic cell rate algorithm: a limit of `limit` units per `window`, kept as one number per
/// cell, the theoretical arrival time (TAT). A take of `cost` units at `now` is allowed when the
/// new TAT, `max(TAT, now) + cost × interval`, is at most one window ahead of now; so a full
/// window's worth may come at once, and then one unit per interval.
///
/// Times in microseconds, so limits stay exact.
struct GCRA: Sendable, Equatable {
    /// Microseconds one unit occupies.
    let interval: Int64
    let window: Int64
    let limit: Int64

    init(limit: Int, window: Int64 = 60_000_000) {
        self.limit = Int64(max(1, limit))
        self.window = window
        self.interval = max(1, window / self.limit)
    }

    struct Decision: Sendable, Equatable {
        let allowed: Bool
        /// Units that could still be taken now.
        let remaining: Int64
        /// Microseconds until the cell is full again (allowed), or until the take would be allowed (denied).
        let wait: Int64
    }

    /// Takes `cost` units from the cell whose TAT is `tat`, updating it when allowed.
    func take(_ cost: Int64, tat: inout Int64, now: Int64) -> Decision {
        let next = max(tat, now) + cost * self.interval
        let ahead = next - now
        guard ahead <= self.window else {
            let remaining = max(0, (self.window - (max(tat, now) - now)) / self.interval)
            return Decision(allowed: false, remaining: remaining, wait: ahead - self.window)
        }
        tat = next
        return Decision(allowed: true, remaining: (self.window - ahead) / self.interval, wait: ahead)
    }
}
