import GRDB

/// The SQLite schema, one GRDB migration per version. Migrations already applied are never changed;
/// a new version is a new migration.
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1: governance") { db in
            for statement in Self.version1 {
                try db.execute(sql: statement)
            }
        }
        migrator.registerMigration("2: stored responses") { db in
            for statement in Self.version2 {
                try db.execute(sql: statement)
            }
        }
        migrator.registerMigration("3: ledger batches") { db in
            for statement in Self.version3 {
                try db.execute(sql: statement)
            }
        }
        return migrator
    }

    private static let version1 = [
        """
        CREATE TABLE tenants (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            metadata TEXT NOT NULL,
            created_at INTEGER NOT NULL
        )
        """,
        """
        CREATE TABLE virtual_keys (
            id TEXT PRIMARY KEY,
            hash TEXT NOT NULL UNIQUE,
            tenant_id TEXT REFERENCES tenants (id),
            name TEXT NOT NULL,
            allowed_models TEXT NOT NULL,
            metadata TEXT NOT NULL,
            requests_per_minute INTEGER,
            tokens_per_minute INTEGER,
            created_at INTEGER NOT NULL,
            expires_at INTEGER,
            revoked_at INTEGER
        )
        """,
        "CREATE INDEX virtual_keys_by_tenant ON virtual_keys (tenant_id, created_at)",
        """
        CREATE TABLE budgets (
            id TEXT PRIMARY KEY,
            scope TEXT NOT NULL,
            scope_id TEXT NOT NULL,
            model TEXT,
            unit TEXT NOT NULL,
            period TEXT NOT NULL,
            limit_amount INTEGER NOT NULL,
            created_at INTEGER NOT NULL
        )
        """,
        """
        CREATE TABLE budget_counters (
            budget_id TEXT NOT NULL,
            period_start INTEGER NOT NULL,
            spent INTEGER NOT NULL,
            PRIMARY KEY (budget_id, period_start)
        )
        """,
        """
        CREATE TABLE budget_leases (
            budget_id TEXT NOT NULL,
            period_start INTEGER NOT NULL,
            instance_id TEXT NOT NULL,
            amount INTEGER NOT NULL,
            renewed_at INTEGER NOT NULL,
            PRIMARY KEY (budget_id, period_start, instance_id)
        )
        """,
        "CREATE INDEX budget_leases_by_instance ON budget_leases (instance_id)",
        """
        CREATE TABLE rate_cells (
            cell TEXT PRIMARY KEY,
            tat_micros INTEGER NOT NULL
        )
        """,
        """
        CREATE TABLE usage_ledger (
            request_id TEXT PRIMARY KEY,
            finished_at_millis INTEGER NOT NULL,
            key_id TEXT,
            tenant_id TEXT,
            model TEXT NOT NULL,
            served_model TEXT,
            deployment TEXT,
            endpoint TEXT NOT NULL,
            stream INTEGER NOT NULL,
            status INTEGER NOT NULL,
            attempts INTEGER NOT NULL,
            prompt_tokens INTEGER NOT NULL,
            completion_tokens INTEGER NOT NULL,
            cached_tokens INTEGER NOT NULL,
            cost_micro_usd INTEGER NOT NULL,
            latency_micros INTEGER NOT NULL,
            time_to_first_token_micros INTEGER,
            error_code TEXT
        )
        """,
        "CREATE INDEX usage_ledger_by_time ON usage_ledger (finished_at_millis)",
        "CREATE INDEX usage_ledger_by_tenant ON usage_ledger (tenant_id, finished_at_millis)",
        "CREATE INDEX usage_ledger_by_key ON usage_ledger (key_id, finished_at_millis)",
    ]

    /// Responses of the Responses API, kept until they expire.
    private static let version2 = [
        """
        CREATE TABLE stored_responses (
            id TEXT PRIMARY KEY,
            tenant_id TEXT,
            key_id TEXT,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            previous_response_id TEXT,
            model TEXT NOT NULL,
            input_items BLOB NOT NULL,
            response BLOB NOT NULL
        )
        """,
        "CREATE INDEX stored_responses_by_expiry ON stored_responses (expires_at)",
    ]

    /// The ids of ledger batches already recorded, so that a retried batch is applied once.
    private static let version3 = [
        """
        CREATE TABLE ledger_batches (
            id TEXT PRIMARY KEY,
            recorded_at INTEGER NOT NULL
        )
        """,
        "CREATE INDEX ledger_batches_by_time ON ledger_batches (recorded_at)",
    ]
}
