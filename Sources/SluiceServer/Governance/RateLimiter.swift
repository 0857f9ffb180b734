import Logging
import SluiceCore
import SluiceStore
import Synchronization

/// Rate limits by named cell (`ip:…`, `key:…:rpm`, `deployment:…:tpm`) with ``GCRA``.
///
/// Alone, an instance keeps its cells in memory. With a shared store, each instance takes slices
/// of a cell's capacity from the store (a twentieth of the limit, or what its waiting requests
/// want, one request to the store at a time per cell) and spends them locally; a slice not spent
/// within the time it stands for expires. Every slice is counted in
/// the store when taken, so across instances a cell admits at most its limit per window plus
/// what instances hold in slices when the window starts (about one slice each), and refuses at
/// most what they hold unspent.
final class RateLimiter: Sendable {
    struct Outcome: Sendable {
        let allowed: Bool
        let limit: Int
        let remaining: Int
        /// Microseconds until the cell is full again (allowed) or until a retry may pass (denied).
        let wait: Int64
    }

    /// Capacity an instance holds of a shared cell, and the one request for more in flight.
    private struct Slice {
        var remaining: Int64 = 0
        var expiresAt: Int64 = 0
        /// Until when the store refused more (takes before then are refused without asking).
        var refusedUntil: Int64 = 0
        var refill: Task<Void, Never>?
        /// Units wanted by requests waiting for capacity; the next refill asks for them all.
        var wanted: Int64 = 0
    }

    private enum SliceStep {
        case taken(remaining: Int64)
        case refused
        case waitFor(Task<Void, Never>)
    }

    /// Local cells above this count are pruned of those that are full again.
    static let pruneThreshold = 10_000
    /// A slice is this share of a limit.
    static let slicesPerLimit = 20
    /// Waits for more capacity before a request is refused (others may spend a refill first).
    static let refillAttempts = 4

    private let cells = Mutex<[String: Int64]>([:])
    private let slices = Mutex<[String: Slice]>([:])
    private let store: (any GovernanceStore)?
    private let logger: Logger

    /// - Parameter store: the shared store, when several instances share the limits.
    init(sharedStore store: (any GovernanceStore)?, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// Takes `cost` units from `cell`, whose limit is `limit` per minute.
    func take(_ cell: String, cost: Int, limit: Int) async -> Outcome {
        let rule = GCRA(limit: limit)
        let cost = Int64(max(1, cost))
        let now = WallClock.micros()
        guard let store = self.store else {
            let decision = self.cells.withLock { cells in
                if cells.count > Self.pruneThreshold { cells = cells.filter { $0.value > now } }
                var tat = cells[cell] ?? now
                let decision = rule.take(cost, tat: &tat, now: now)
                cells[cell] = tat
                return decision
            }
            return Outcome(allowed: decision.allowed, limit: limit, remaining: Int(decision.remaining), wait: decision.wait)
        }
        let sliceSize = max(cost, rule.limit / Int64(Self.slicesPerLimit))
        // Concurrent requests that find no capacity wait for one request to the store, then share its slice.
        for _ in 0..<Self.refillAttempts {
            let step = self.slices.withLock { slices -> SliceStep in
                var slice = slices[cell] ?? Slice()
                if slice.expiresAt <= now { slice.remaining = 0 }
                if slice.remaining >= cost {
                    slice.remaining -= cost
                    slices[cell] = slice
                    return .taken(remaining: slice.remaining)
                }
                if slice.refusedUntil > now { return .refused }
                slice.wanted = slice.wanted.addingWithSaturation(cost)
                if let refill = slice.refill {
                    slices[cell] = slice
                    return .waitFor(refill)
                }
                let refill = Task { await self.refill(cell, rule: rule, sliceSize: sliceSize, smallest: cost, store: store) }
                slice.refill = refill
                slices[cell] = slice
                return .waitFor(refill)
            }
            switch step {
            case .taken(let remaining):
                return Outcome(allowed: true, limit: limit, remaining: Int(remaining), wait: 0)
            case .refused:
                let wait = self.slices.withLock { ($0[cell]?.refusedUntil ?? now).subtractingWithSaturation(now) }
                return Outcome(allowed: false, limit: limit, remaining: 0, wait: max(wait, 1))
            case .waitFor(let refill):
                await refill.value
            }
        }
        return Outcome(allowed: false, limit: limit, remaining: 0, wait: rule.occupancy(cost))
    }

    /// Takes from the store what waiting requests want (at least a slice); refused that, as much
    /// as fits now (the refusal says how much does). Adds it to the instance's capacity; when not
    /// even the smallest waiting request fits, notes until when the store will refuse.
    private func refill(_ cell: String, rule: GCRA, sliceSize: Int64, smallest: Int64, store: any GovernanceStore) async {
        let now = WallClock.micros()
        let wanted = self.slices.withLock { slices in
            defer { slices[cell]?.wanted = 0 }
            return slices[cell]?.wanted ?? smallest
        }
        var amount = min(rule.limit, max(wanted, sliceSize))
        var granted: Int64 = 0
        var refusedFor: Int64 = 0
        do {
            for _ in 0..<2 {
                // The store counts microseconds of the window: one unit is one microsecond there.
                let occupancy = rule.occupancy(amount)
                let request = RateTakeRequest(cell: cell, cost: occupancy, emissionIntervalMicros: 1, burstToleranceMicros: rule.window, nowMicros: now)
                guard case .denied(let retryAfter) = try await store.takeRate(request) else {
                    granted = amount
                    break
                }
                refusedFor = retryAfter
                let free = occupancy.subtractingWithSaturation(retryAfter)
                let fits = Int64(saturating: (Double(free) * Double(rule.limit) / Double(rule.window)).rounded(.down))
                guard fits >= smallest, fits < amount else { break }
                amount = fits
            }
        } catch {
            // A limit that cannot be checked does not stop traffic; the store's trouble is logged.
            self.logger.error("rate limit store unavailable; admitting", metadata: ["cell": .string(cell), "error": "\(error)"])
            granted = smallest
        }
        self.slices.withLock { slices in
            var slice = slices[cell] ?? Slice()
            if slice.expiresAt <= now { slice.remaining = 0 }
            slice.refill = nil
            if granted > 0 {
                slice.remaining = slice.remaining.addingWithSaturation(granted)
                slice.expiresAt = max(slice.expiresAt, now.addingWithSaturation(rule.occupancy(granted)))
                slice.refusedUntil = 0
            } else {
                slice.refusedUntil = now.addingWithSaturation(refusedFor)
            }
            slices[cell] = slice
        }
    }
}
