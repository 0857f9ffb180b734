import PostgresNIO

extension PostgresStore {
    /// Applies the migrations this database lacks, all in one transaction under an advisory lock:
    /// processes migrating at once wait for the first, then find nothing left to do.
    public func migrate() async throws {
        try await self.withTransaction { connection in
            try await self.execute("SELECT pg_advisory_xact_lock(\(PostgresSchema.migrationLockKey))", on: connection)
            if let schema = self.configuration.schema {
                guard Configuration.isPlainIdentifier(schema) else {
                    throw StoreError.unavailable("schema '\(schema)': use lowercase letters, digits and _ only, not starting with a digit")
                }
                try await self.execute(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(schema)"), on: connection)
            }
            try await self.execute(
                """
                CREATE TABLE IF NOT EXISTS sluice_schema_migrations (
                    version INTEGER PRIMARY KEY,
                    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                )
                """,
                on: connection
            )
            let applied = Set(try await self.execute("SELECT version FROM sluice_schema_migrations", on: connection).map { try $0.decode(Int.self) })
            for migration in PostgresSchema.migrations where !applied.contains(migration.version) {
                for statement in migration.statements {
                    try await self.execute(PostgresQuery(unsafeSQL: statement), on: connection)
                }
                try await self.execute("INSERT INTO sluice_schema_migrations (version) VALUES (\(migration.version))", on: connection)
            }
        }
    }
}
