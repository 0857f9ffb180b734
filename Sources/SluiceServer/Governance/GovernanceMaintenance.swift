import AsyncAlgorithms
import Logging
import ServiceLifecycle

/// Keeps governance state fresh while the gateway runs: renews budget leases and gives back
/// idle capacity, and reads keys and budgets again from the store (changes other instances made).
struct GovernanceMaintenance: Service {
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
            }
        }
    }
}
