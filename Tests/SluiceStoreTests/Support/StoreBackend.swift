import Foundation
import Logging
import Testing

@testable import SluiceStore

/// The backends the contract suite runs against. Every test gets a database of its own: a new
/// SQLite file, or a new PostgreSQL schema (dropped afterwards) in the database
/// `SLUICE_TEST_POSTGRES_URL` names. Without that URL there are no PostgreSQL cases (a skipped
/// test says so), unless `SLUICE_REQUIRE_POSTGRES=1` (CI): then they run and fail.
enum StoreBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { self.rawValue }

    static var postgresURL: String? { ProcessInfo.processInfo.environment["SLUICE_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 } }
    static var postgresRequired: Bool { ProcessInfo.processInfo.environment["SLUICE_REQUIRE_POSTGRES"] == "1" }
    static var postgresConfigured: Bool { Self.postgresURL != nil || Self.postgresRequired }

    /// The backends to test here: SQLite always, PostgreSQL when configured or required.
    static var configured: [StoreBackend] { Self.postgresConfigured ? [.sqlite, .postgres] : [.sqlite] }

    /// Runs `body` with a migrated store on a fresh database.
    func withStore(_ body: (any GovernanceStore) async throws -> Void) async throws {
        try await self.withStores(count: 1) { stores in try await body(stores[0]) }
    }

    /// Runs `body` with `count` separate store instances (each with its own connections) on one
    /// fresh database, as several gateway processes would share it.
    func withStores(count: Int, _ body: ([any GovernanceStore]) async throws -> Void) async throws {
        switch self {
        case .sqlite: try await Self.withSQLiteStores(count: count, body)
        case .postgres: try await Self.withPostgresStores(count: count) { stores in try await body(stores) }
        }
    }

    private static func withSQLiteStores(count: Int, _ body: ([any GovernanceStore]) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-store-\(UUID().uuidString).sqlite").path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        let stores = try (0..<count).map { _ in try SQLiteStore(path: path) }
        try await Self.migrateTogether(stores)
        try await body(stores)
    }

    /// `count` PostgreSQL stores on a new schema, running and migrated.
    static func withPostgresStores(count: Int, _ body: ([PostgresStore]) async throws -> Void) async throws {
        let url = try #require(Self.postgresURL, "SLUICE_REQUIRE_POSTGRES=1 but SLUICE_TEST_POSTGRES_URL is not set")
        var configuration = try PostgresStore.Configuration(url: url)
        configuration.schema = "sluice_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        configuration.maximumConnections = 8
        // Generous: hundreds of concurrent operations queue for these connections on a busy machine.
        configuration.connectionTimeout = .seconds(60)
        var logger = Logger(label: "sluice.store.postgres")
        // Stores run and migrate at once: the client warns about queries that come before it runs.
        logger.logLevel = .error
        let stores = (0..<count).map { _ in PostgresStore(configuration: configuration, logger: logger) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for store in stores {
                group.addTask { await store.run() }
            }
            defer { group.cancelAll() }
            do {
                try await Self.migrateTogether(stores)
                try await body(stores)
            } catch {
                try? await Self.dropSchema(of: stores[0])
                throw error
            }
            try await Self.dropSchema(of: stores[0])
        }
    }

    /// Migrates every store at once, as gateway processes starting together would.
    private static func migrateTogether(_ stores: [any GovernanceStore]) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for store in stores {
                group.addTask { try await store.migrate() }
            }
            try await group.waitForAll()
        }
    }

    private static func dropSchema(of store: PostgresStore) async throws {
        guard let schema = store.configuration.schema else { return }
        try await store.execute("DROP SCHEMA IF EXISTS \(unescaped: schema) CASCADE")
    }
}
