import Logging
import SluiceStore
import Synchronization

/// Rate limits by named cell (`ip:…`, `key:…:rpm`, `deployment:…:tpm`) with ``GCRA``.
///
/// Alone, an instance keeps its cells in memory. With a shared store, each instance takes slices
/// of a cell's capacity from the store, a twentieth of the limit at a time, and spends them
/// locally; a slice not spent within the time it stands for expires. Every slice is counted in
/// the store when taken, so across instances a cell admits at most its limit per window plus one
/// slice per instance (the slices taken just before the window and spent inside it).
final class RateLimiter: Sendable {
    struct Outcome: Sendable {
        let allowed: Bool
        let limit: Int
        let remaining: Int
        /// Microseconds until the cell is full again (allowed) or until a retry may pass (denied).
        let wait: Int64
    }

    /// Capacity an instance holds of a shared cell.
    private struct Slice {
        var remaining: Int64
        var expiresAt: Int64
    }

    /// Local cells above this count are pruned of those that are full again.
    static let pruneThreshold = 10_000
    /// A slice is this share of a limit.
    static let slicesPerLimit = 20

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
        if let remaining = self.spendFromSlice(cell, cost: cost, now: now) {
            return Outcome(allowed: true, limit: limit, remaining: Int(remaining), wait: 0)
        }
        let sliceSize = max(cost, rule.limit / Int64(Self.slicesPerLimit))
        do {
            for size in sliceSize > cost ? [sliceSize, cost] : [cost] {
                let request = RateTakeRequest(cell: cell, cost: size, emissionIntervalMicros: rule.interval, burstToleranceMicros: rule.window, nowMicros: now)
                switch try await store.takeRate(request) {
                case .allowed:
                    let left = size - cost
                    self.slices.withLock { $0[cell] = Slice(remaining: left, expiresAt: now + size * rule.interval) }
                    return Outcome(allowed: true, limit: limit, remaining: Int(left), wait: 0)
                case .denied(let retryAfter):
                    if size == cost { return Outcome(allowed: false, limit: limit, remaining: 0, wait: retryAfter) }
                }
            }
        } catch {
            // A limit that cannot be checked does not stop traffic; the store's trouble is logged.
            self.logger.error("rate limit store unavailable; admitting", metadata: ["cell": .string(cell), "error": "\(error)"])
        }
        return Outcome(allowed: true, limit: limit, remaining: 0, wait: 0)
    }

    private func spendFromSlice(_ cell: String, cost: Int64, now: Int64) -> Int64? {
        self.slices.withLock { slices in
            guard var slice = slices[cell], slice.expiresAt > now, slice.remaining >= cost else { return nil }
            slice.remaining -= cost
            slices[cell] = slice
            return slice.remaining
        }
    }
}
