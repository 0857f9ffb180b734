import SluiceCore

/// The generic cell rate algorithm: a limit of `limit` units per `window`, kept as one number per
/// cell, the theoretical arrival time (TAT). Taking `cost` units occupies `cost × window / limit`
/// of the window (rounded up to a microsecond); a take is allowed when the new TAT,
/// `max(TAT, now) + occupancy`, is at most one window ahead of now. So a full window's worth may
/// come at once, and then units at the limit's pace.
///
/// Times in microseconds. A limit so high that one take occupies less than a microsecond counts
/// a microsecond per take: at most a million takes a second. Costs and limits come from clients
/// and operators, so the arithmetic saturates: a cost of 10^17 tokens is refused, never a trap.
struct GCRA: Sendable, Equatable {
    let window: Int64
    let limit: Int64

    init(limit: Int, window: Int64 = 60_000_000) {
        self.limit = Int64(max(1, limit))
        self.window = max(1, window)
    }

    struct Decision: Sendable, Equatable {
        let allowed: Bool
        /// Units that could still be taken now.
        let remaining: Int64
        /// Microseconds until the cell is full again (allowed), or until the take would be allowed (denied).
        let wait: Int64
    }

    /// Microseconds of the window that `cost` units occupy (at most `Int64.max`).
    func occupancy(_ cost: Int64) -> Int64 {
        max(1, Int64(saturating: (Double(cost) * Double(self.window) / Double(self.limit)).rounded(.up)))
    }

    /// Takes `cost` units from the cell whose TAT is `tat`, updating it when allowed.
    func take(_ cost: Int64, tat: inout Int64, now: Int64) -> Decision {
        let start = max(tat, now)
        let ahead = start.subtractingWithSaturation(now).addingWithSaturation(self.occupancy(cost))
        guard ahead <= self.window else {
            let free = self.window.subtractingWithSaturation(start.subtractingWithSaturation(now))
            return Decision(allowed: false, remaining: self.units(free: free), wait: ahead.subtractingWithSaturation(self.window))
        }
        tat = now.addingWithSaturation(ahead)
        return Decision(allowed: true, remaining: self.units(free: self.window - ahead), wait: ahead)
    }

    /// Whole units that fit in `free` microseconds of the window.
    private func units(free: Int64) -> Int64 {
        max(0, Int64(saturating: (Double(free) * Double(self.limit) / Double(self.window)).rounded(.down)))
    }
}
