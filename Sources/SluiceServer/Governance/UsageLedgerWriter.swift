import AsyncAlgorithms
import Logging
import ServiceLifecycle
import SluiceStore
import Synchronization

/// Writes the usage ledger and budget spend to the store in batches, off the request path: a
/// request only appends to a buffer. The buffer is written every flush interval, and once more
/// when the gateway shuts down, after the server has let its last requests finish; rows a
/// failed write could not store stay buffered for the next.
final class UsageLedgerWriter: Service, Sendable {
    private struct Pending {
        var rows: [UsageRow] = []
        var settlements: [BudgetSettlement] = []
    }

    /// Rows kept while the store is unreachable; beyond this the oldest are dropped (and logged).
    static let maximumBuffered = 200_000

    private let store: any GovernanceStore
    private let interval: Duration
    private let logger: Logger
    private let pending = Mutex(Pending())

    init(store: any GovernanceStore, interval: Duration, logger: Logger) {
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    func append(_ row: UsageRow) {
        self.pending.withLock { pending in
            pending.rows.append(row)
            if pending.rows.count > Self.maximumBuffered {
                pending.rows.removeFirst(pending.rows.count - Self.maximumBuffered)
                self.logger.error("usage ledger buffer full; dropped the oldest row")
            }
        }
    }

    func append(_ settlements: [BudgetSettlement]) {
        self.pending.withLock { $0.settlements.append(contentsOf: settlements) }
    }

    func run() async throws {
        for try await _ in AsyncTimerSequence(interval: self.interval, clock: .continuous).cancelOnGracefulShutdown() {
            await self.flush()
        }
        await self.flush()
    }

    /// Writes what is buffered now, in one transaction.
    func flush() async {
        let batch = self.pending.withLock { pending in
            defer { pending = Pending() }
            return pending
        }
        guard !batch.rows.isEmpty || !batch.settlements.isEmpty else { return }
        do {
            try await self.store.record(batch.rows, settlements: batch.settlements)
        } catch {
            self.logger.error("could not write the usage ledger; will retry", metadata: ["rows": .stringConvertible(batch.rows.count), "error": "\(error)"])
            self.pending.withLock { pending in
                pending.rows.insert(contentsOf: batch.rows, at: 0)
                pending.settlements.insert(contentsOf: batch.settlements, at: 0)
            }
        }
    }
}
