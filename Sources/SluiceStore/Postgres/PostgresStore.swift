import Logging
import PostgresNIO
import ServiceLifecycle

/// The governance store in PostgreSQL, shared by several gateway processes. Read-modify-write
/// operations run in transactions that lock the one row they decide on (`SELECT … FOR UPDATE`),
/// so concurrent instances never both spend the same capacity.
///
/// The store owns a connection pool that works only while ``run()`` runs: add the store to the
/// gateway's `ServiceGroup`, or call ``run()`` in a task of its own and cancel that task to close
/// the pool. Operations wait for a connection at most ``Configuration/connectionTimeout``, then
/// fail with ``StoreError/unavailable(_:)`` (also when ``run()`` is not running).
public final class PostgresStore: GovernanceStore, Service {
    public let configuration: Configuration
    let client: PostgresClient
    let logger: Logger

    public init(configuration: Configuration, logger: Logger = Logger(label: "sluice.store.postgres")) {
        self.configuration = configuration
        self.logger = logger
        self.client = PostgresClient(configuration: configuration.clientConfiguration, backgroundLogger: logger)
    }

    /// A store for a `postgres://` URL (see ``Configuration/init(url:)``).
    public convenience init(url: String, logger: Logger = Logger(label: "sluice.store.postgres")) throws {
        self.init(configuration: try Configuration(url: url), logger: logger)
    }

    /// Runs the connection pool until the task is cancelled or graceful shutdown begins.
    public func run() async {
        await self.client.run()
    }

    /// Runs `body` on a pooled connection, turning PostgreSQL's errors into clear ones: unique
    /// violations into ``StoreError/conflict(_:)`` naming `conflict`, foreign-key violations into
    /// ``StoreError/notFound(_:)`` naming `notFound`.
    func withConnection<Result: Sendable>(
        conflict: String? = nil, notFound: String? = nil, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        do {
            return try await ConnectionLease.run(on: self.client, timeout: self.configuration.connectionTimeout, body) {
                StoreError.unavailable(
                    "no connection to PostgreSQL at \(self.configuration.host):\(self.configuration.port) within \(self.configuration.connectionTimeout)"
                )
            }
        } catch {
            throw self.translated(error, conflict: conflict, notFound: notFound)
        }
    }

    /// Like ``withConnection(conflict:notFound:_:)``, inside `BEGIN` … `COMMIT` (rolled back when `body` throws).
    func withTransaction<Result: Sendable>(
        conflict: String? = nil, notFound: String? = nil, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await self.withConnection(conflict: conflict, notFound: notFound) { connection in
            try await connection.withTransaction(logger: self.logger) { connection in try await body(connection) }
        }
    }

    /// Runs a query on a pooled connection and decodes every row it returns.
    func fetch<Record: Sendable>(_ query: PostgresQuery, _ decode: @escaping @Sendable (PostgresRow) throws -> Record) async throws -> [Record] {
        try await self.withConnection { connection in
            try await self.execute(query, on: connection).map(decode)
        }
    }

    /// Runs one statement on a pooled connection, with the error mapping of ``withConnection(conflict:notFound:_:)``.
    func execute(_ query: PostgresQuery, conflict: String? = nil, notFound: String? = nil) async throws {
        try await self.withConnection(conflict: conflict, notFound: notFound) { connection in
            _ = try await self.execute(query, on: connection)
        }
    }

    /// Runs one statement on `connection` and returns its rows, read to the end.
    @discardableResult
    func execute(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> [PostgresRow] {
        try await connection.query(query, logger: self.logger).collect()
    }

    /// The first column of the first row a query returns; nil when it returns no row.
    func firstValue<Value: PostgresDecodable>(_ type: Value.Type, _ query: PostgresQuery, on connection: PostgresConnection) async throws -> Value? {
        try await self.execute(query, on: connection).first?.decode(Value.self)
    }

    private func translated(_ error: any Error, conflict: String?, notFound: String?) -> any Error {
        if let transactionError = error as? PostgresTransactionError {
            let cause = transactionError.closureError ?? transactionError.commitError ?? transactionError.beginError
            return cause.map { self.translated($0, conflict: conflict, notFound: notFound) } ?? error
        }
        guard let error = error as? PSQLError else { return error }
        guard let serverInfo = error.serverInfo else {
            let cause = error.underlying.map { "\($0)" } ?? "\(error.code)"
            return StoreError.unavailable("PostgreSQL at \(self.configuration.host):\(self.configuration.port): \(cause)")
        }
        let state = serverInfo[.sqlState] ?? ""
        if state == "23505", let conflict { return StoreError.conflict(conflict) }
        if state == "23503", let notFound { return StoreError.notFound(notFound) }
        return PostgresServerError(sqlState: state, message: serverInfo[.message] ?? "", detail: serverInfo[.detail])
    }
}
