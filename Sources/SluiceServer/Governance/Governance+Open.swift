import Logging
import SluiceConfig
import SluiceStore

extension Governance {
    /// Opens the store the config names (migrating its schema) and reads keys and budgets from
    /// it; nil when the config has no store. Call ``close()`` after the gateway's service group
    /// has finished, so the ledger's last rows are written first.
    public static func open(_ settings: GovernanceSettings, logger: Logger) async throws -> Governance? {
        switch settings.store {
        case nil:
            return nil
        case .sqlite(let path):
            let store = try SQLiteStore(path: path)
            try await store.migrate()
            return try await Governance(store: store, settings: settings, shared: false, connection: nil, logger: logger)
        case .postgres(let url):
            let store = try PostgresStore(url: url.value, logger: logger)
            // The pool runs beside the gateway's services and outlives them (see close()).
            let pool = Task { await store.run() }
            do {
                try await store.migrate()
                return try await Governance(store: store, settings: settings, shared: true, connection: pool, logger: logger)
            } catch {
                pool.cancel()
                await pool.value
                throw error
            }
        }
    }

    /// Opens the configured store for the length of `body` (the `sluice keys` and `sluice
    /// tenants` commands).
    /// - Throws: when the config has no store, or it cannot be opened.
    public static func withAdmin<Value: Sendable>(
        _ settings: GovernanceSettings, logger: Logger, _ body: (GovernanceAdmin) async throws -> Value
    ) async throws -> Value {
        guard let governance = try await self.open(settings, logger: logger) else {
            throw StoreError.unavailable("the config has no `store` section")
        }
        do {
            let value = try await body(GovernanceAdmin(store: governance.store))
            await governance.close()
            return value
        } catch {
            await governance.close()
            throw error
        }
    }

    /// Closes the store's connections.
    public func close() async {
        self.connection?.cancel()
        await self.connection?.value
    }
}
