import AsyncAlgorithms
import Logging
import ServiceLifecycle

/// Keeps governance state fresh while the gateway runs: renews budget leases and gives back
/// idle capacity, reads keys and budgets again from the store (changes other instances made),
/// and purges stored responses that have expired.
struct GovernanceMaintenance: Service {
    /// Expired responses deleted in one write.
    static let purgeBatch = 5_000

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
