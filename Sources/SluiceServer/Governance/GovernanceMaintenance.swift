import AsyncAlgorithms
import Logging
import ServiceLifecycle

/// Keeps governance state fresh while the gateway runs: renews budget leases and gives back
/// idle capacity, reads keys and budgets again from the store (changes other instances made),
/// purges stored responses that have expired, and forgets the ids of old ledger batches.
struct GovernanceMaintenance: Service {
    /// Expired responses deleted in one write.
    static let purgeBatch = 5_000
    /// How long a ledger batch's id is remembered, so that a retry of it is skipped. A batch is
    /// applied twice only if its first write committed unseen and it then waited longer than
    /// this (spilled through a longer outage); at one batch per flush, a store holds up to
    /// 1.3 million ids per busy instance at the default flush interval.
    static let ledgerBatchMemory: Int64 = 3 * 86_400

    let governance: Governance
    let logger: Logger

    func run() async throws {
        let settings = self.governance.settings
        let tick = min(settings.leaseTTL / 3, settings.keyRefreshInterval)
        var sinceRefresh = Duration.zero
        for try await _ in AsyncTimerSequence(interval: tick, clock: .continuous).cancelOnGracefulShutdown() {
            await self.governance.budgets.maintain(logger: self.logger)
            sinceRefresh += tick
            if sinceRefresh >= settings.keyRefreshInterval {
                sinceRefresh = .zero
                await self.governance.reload(logger: self.logger)
                await self.purgeExpiredResponses()
                _ = try? await self.governance.store.forgetLedgerBatches(recordedBefore: WallClock.seconds() - Self.ledgerBatchMemory)
            }
        }
    }

    /// Deletes the responses whose time is up; they are unreadable already, this frees their room.
    /// Every instance sharing the store does it, in batches of ``purgeBatch`` (each its own short
    /// write, so ledger writes go between them).
    private func purgeExpiredResponses() async {
        do {
            let now = WallClock.seconds()
            var purged = 0
            while true {
                let batch = try await self.governance.store.purgeResponses(expiredAt: now, limit: Self.purgeBatch)
                purged += batch
                guard batch == Self.purgeBatch else { break }
                await Task.yield()
            }
            if purged > 0 { self.logger.debug("purged expired responses", metadata: ["count": "\(purged)"]) }
        } catch {
            self.logger.warning("could not purge expired responses", metadata: ["error": "\(error)"])
        }
    }
}
