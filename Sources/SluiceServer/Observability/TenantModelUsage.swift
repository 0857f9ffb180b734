/// Tokens and spend per tenant × model, since the start and over the last ten minutes (in
/// one-minute buckets). Past `maxPairs` pairs, further pairs share one "other" tally, so a flood
/// of tenants or model names cannot grow it without bound.
struct TenantModelUsage {
    /// Minutes in the window.
    static let windowMinutes = 10

    /// A tenant (nil for a static key from the config) and the model that answered.
    struct Pair: Hashable, Sendable {
        var tenantID: String?
        var model: String
    }

    /// One pair's tallies.
    struct Entry: Sendable {
        var pair: Pair
        var total = UsageTally()
        /// One slot per minute, reused round robin.
        var minutes = [MinuteTally](repeating: MinuteTally(), count: TenantModelUsage.windowMinutes)

        mutating func add(_ tally: UsageTally, atMinute minute: Int64) {
            self.total.add(tally)
            let slot = Int(minute % Int64(TenantModelUsage.windowMinutes))
            if self.minutes[slot].minute != minute {
                guard self.minutes[slot].minute < minute else { return }
                self.minutes[slot] = MinuteTally(minute: minute)
            }
            self.minutes[slot].tally.add(tally)
        }

        /// The tallies of the minutes in the window ending with `minute`.
        func window(atMinute minute: Int64) -> UsageTally {
            var sum = UsageTally()
            for slot in self.minutes where slot.minute > minute - Int64(TenantModelUsage.windowMinutes) && slot.minute <= minute {
                sum.add(slot.tally)
            }
            return sum
        }
    }

    struct MinuteTally: Sendable {
        var minute = Int64.min
        var tally = UsageTally()
    }

    /// One pair's figures as of one minute: since the start and over the window.
    struct Figures: Sendable {
        /// Nil for the pairs past the limit, together.
        var pair: Pair?
        var total: UsageTally
        var window: UsageTally
    }

    let maxPairs: Int
    private var index: [Pair: Int] = [:]
    private var entries: [Entry] = []
    private var other: Entry?

    init(maxPairs: Int) {
        self.maxPairs = maxPairs
    }

    mutating func add(_ tally: UsageTally, to pair: Pair, atMinute minute: Int64) {
        if let position = self.index[pair] {
            self.entries[position].add(tally, atMinute: minute)
        } else if self.entries.count < self.maxPairs {
            self.index[pair] = self.entries.count
            self.entries.append(Entry(pair: pair))
            self.entries[self.entries.count - 1].add(tally, atMinute: minute)
        } else {
            if self.other == nil { self.other = Entry(pair: Pair(tenantID: nil, model: "")) }
            self.other?.add(tally, atMinute: minute)
        }
    }

    /// Every pair's figures, and those of the pairs past the limit (nil while there were none).
    func figures(atMinute minute: Int64) -> (pairs: [Figures], other: Figures?) {
        (
            self.entries.map { Figures(pair: $0.pair, total: $0.total, window: $0.window(atMinute: minute)) },
            self.other.map { Figures(pair: nil, total: $0.total, window: $0.window(atMinute: minute)) }
        )
    }
}
