import Logging
import Testing

@testable import SluiceStore

/// What only the PostgreSQL backend has: its migration bookkeeping and its connection failures.
@Suite("PostgreSQL store", .timeLimit(.minutes(1)))
struct PostgresStoreTests {
    @Test(.enabled(if: StoreBackend.postgresConfigured, "SLUICE_TEST_POSTGRES_URL is not set: the PostgreSQL cases of the store contract are skipped"))
    func severalStoresMigratingTogetherApplyEachVersionOnce() async throws {
        try await StoreBackend.withPostgresStores(count: 4) { stores in
            let versions = try await stores[0].withConnection { connection in
                try await stores[0].execute("SELECT version FROM sluice_schema_migrations ORDER BY version", on: connection).map { try $0.decode(Int.self) }
            }
            #expect(versions == PostgresSchema.migrations.map(\.version))
            try await stores[1].migrate()
            try await stores[0].createTenant(Fixtures.tenant("acme"))
            #expect(try await stores[3].tenant(id: "acme") != nil)
        }
    }

    @Test func anUnreachableServerIsReportedAsUnavailable() async throws {
        var logger = Logger(label: "sluice.store.postgres")
        logger.logLevel = .critical
        var configuration = try PostgresStore.Configuration(url: "postgres://sluice@127.0.0.1:1/sluice")
        configuration.connectionTimeout = .milliseconds(500)
        let store = PostgresStore(configuration: configuration, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            defer { group.cancelAll() }
            let error = try await #require(throws: StoreError.self) { try await store.migrate() }
            #expect("\(error)" == "store unavailable: no connection to PostgreSQL at 127.0.0.1:1 within 0.5 seconds", "\(error)")
        }
    }
}
