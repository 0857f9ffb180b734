import Logging
import ServiceLifecycle
import SluiceConfig
import SluiceCore
import SluiceStore

/// Multi-tenant governance over one store: virtual keys, budgets enforced by reservation, rate
/// limits, and the usage ledger.
///
/// ```swift
/// let governance = try await Governance.open(config.governance, logger: logger)
/// let gateway = Gateway(config: config, httpClient: client, governance: governance)
/// try await gateway.serviceGroup(logger: logger, handleSignals: true).run()
/// await governance?.close()
/// ```
public final class Governance: Sendable {
    public let store: any GovernanceStore
    let settings: GovernanceSettings
    let keys: KeyDirectory
    let budgets: BudgetBook
    /// Per-key limits; shared with other instances when the store is.
    let limiter: RateLimiter
    let ledger: UsageLedgerWriter
    /// Whether the store answered lately (`/ready`, and how long known keys keep working).
    let health: StoreHealth
    /// This process among the instances sharing the store.
    let instanceID: String
    /// The task that runs the store's connection pool, when it needs one.
    let connection: Task<Void, Never>?

    /// Reads keys and budgets from a migrated store.
    /// - Parameters:
    ///   - shared: whether other gateway instances use the store too (PostgreSQL): then rate
    ///     limits are taken from it in slices.
    ///   - connection: the task running the store's connection pool, cancelled by ``close()``.
    public init(store: any GovernanceStore, settings: GovernanceSettings, shared: Bool, connection: Task<Void, Never>? = nil, logger: Logger) async throws {
        self.store = store
        self.connection = connection
        self.settings = settings
        self.instanceID = VirtualKeyMaterial.instanceID()
        let health = StoreHealth(logger: logger)
        self.health = health
        let ledger = UsageLedgerWriter(
            store: store, interval: settings.ledgerFlushInterval, bufferRows: settings.ledgerBufferRows,
            spill: LedgerSpill(directory: settings.ledgerSpillDirectory), health: health, logger: logger
        )
        self.ledger = ledger
        self.keys = KeyDirectory(store: store, settings: settings, health: health)
        self.budgets = BudgetBook(
            store: store, instanceID: self.instanceID, leaseTTL: Int64(settings.leaseTTL.components.seconds),
            whenStoreUnreachable: settings.budgetsWhenStoreUnreachable, health: health, logger: logger
        ) { ledger.append($0) }
        self.limiter = RateLimiter(sharedStore: shared ? store : nil, logger: logger)
        try await self.keys.refresh()
        try await self.reloadBudgets()
    }

    /// The services governance runs beside the server. The ledger writer comes first, so that a
    /// service group shuts it down last, after the server's final requests.
    func services(logger: Logger) -> [NamedService] {
        [NamedService("usage ledger writer", self.ledger), NamedService("governance maintenance", GovernanceMaintenance(governance: self, logger: logger))]
    }

    /// Reads keys and budgets again.
    func reload(logger: Logger) async {
        do {
            try await self.health.observing {
                try await self.keys.refresh()
                try await self.reloadBudgets()
            }
        } catch {
            logger.warning("could not read keys and budgets from the store", metadata: ["error": "\(error)"])
        }
    }

    /// Reads the budgets again (after an admin change here, or periodically for other instances').
    func reloadBudgets() async throws {
        self.budgets.load(try await self.store.budgets())
    }

    /// Writes the buffered ledger rows now (the admin API's usage reads, tests).
    public func flushLedger() async {
        await self.ledger.flush()
    }
}
