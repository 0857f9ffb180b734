import Dispatch
import Foundation
import GRDB

/// The governance store in one SQLite file, for a single gateway process (or a few sharing the
/// file on one machine). WAL journal, `synchronous = NORMAL`, and a busy timeout so writers from
/// other connections wait instead of failing. Every write runs in an `IMMEDIATE` transaction,
/// so read-modify-write operations (leases, rate takes, settlements) are atomic.
public final class SQLiteStore: GovernanceStore {
    /// The database file's path.
    public let path: String
    let database: DatabasePool

    /// Opens (and creates when missing) the database file at `path`. Call ``migrate()`` before use.
    /// - Parameter busyTimeout: How long a write waits for another connection's transaction.
    public init(path: String, busyTimeout: Duration = .seconds(5)) throws {
        var configuration = Configuration()
        let (seconds, attoseconds) = busyTimeout.components
        configuration.busyMode = .timeout(Double(seconds) + Double(attoseconds) * 1e-18)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        self.path = path
        do {
            self.database = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StoreError.unavailable("cannot open SQLite database \(path): \(error)")
        }
    }

    /// Attempts before a migration error is final: two stores (processes) opening one new file at
    /// once both see it unmigrated, and the second one's `CREATE TABLE` fails; its transaction
    /// rolls back, and the next attempt finds the other's migration recorded.
    static let migrationAttempts = 5

    private static func migrate(_ database: DatabasePool) throws {
        for attempt in 1... {
            do {
                return try SQLiteSchema.migrator.migrate(database)
            } catch where attempt < Self.migrationAttempts {
                Thread.sleep(forTimeInterval: 0.05 * Double(attempt))
            }
        }
    }

    public func migrate() async throws {
        let database = self.database
        // GRDB's migrator blocks while it waits for the write lock: keep it off the Swift concurrency pool.
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try Self.migrate(database) })
            }
        }
    }
}
