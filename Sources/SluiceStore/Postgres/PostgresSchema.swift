import PostgresNIO

/// The PostgreSQL schema as numbered migrations. Applied versions are listed in
/// `sluice_schema_migrations`; a new version is a new entry, applied ones are never changed.
enum PostgresSchema {
    /// Held (per database) while migrating, so gateway processes starting together take turns.
    static let migrationLockKey: Int64 = 0x736C_7569_6365_0001

    static let migrations: [(version: Int, statements: [String])] = [
        (1, version1),
        (2, version2),
        (3, version3),
    ]

    /// Text columns that are compared and sorted use the "C" collation: byte order, the same as SQLite's.
    private static let version1 = [
        """
        CREATE TABLE tenants (
            id TEXT COLLATE "C" PRIMARY KEY,
            name TEXT NOT NULL,
            metadata TEXT NOT NULL,
            created_at BIGINT NOT NULL
        )
        """,
        """
        CREATE TABLE virtual_keys (
            id TEXT COLLATE "C" PRIMARY KEY,
            hash TEXT COLLATE "C" NOT NULL UNIQUE,
            tenant_id TEXT COLLATE "C" REFERENCES tenants (id),
            name TEXT NOT NULL,
            allowed_models TEXT NOT NULL,
            metadata TEXT NOT NULL,
            requests_per_minute BIGINT,
            tokens_per_minute BIGINT,
            created_at BIGINT NOT NULL,
            expires_at BIGINT,
            revoked_at BIGINT
        )
        """,
        "CREATE INDEX virtual_keys_by_tenant ON virtual_keys (tenant_id, created_at)",
        """
        CREATE TABLE budgets (
            id TEXT COLLATE "C" PRIMARY KEY,
            scope TEXT NOT NULL,
            scope_id TEXT COLLATE "C" NOT NULL,
            model TEXT COLLATE "C",
            unit TEXT NOT NULL,
            period TEXT NOT NULL,
            limit_amount BIGINT NOT NULL,
            created_at BIGINT NOT NULL
        )
        """,
        """
        CREATE TABLE budget_counters (
            budget_id TEXT COLLATE "C" NOT NULL,
            period_start BIGINT NOT NULL,
            spent BIGINT NOT NULL,
            PRIMARY KEY (budget_id, period_start)
        )
        """,
        """
        CREATE TABLE budget_leases (
            budget_id TEXT COLLATE "C" NOT NULL,
            period_start BIGINT NOT NULL,
            instance_id TEXT COLLATE "C" NOT NULL,
            amount BIGINT NOT NULL,
            renewed_at BIGINT NOT NULL,
            PRIMARY KEY (budget_id, period_start, instance_id)
        )
        """,
        "CREATE INDEX budget_leases_by_instance ON budget_leases (instance_id, budget_id, period_start)",
        """
        CREATE TABLE rate_cells (
            cell TEXT COLLATE "C" PRIMARY KEY,
            tat_micros BIGINT NOT NULL
        )
        """,
        """
        CREATE TABLE usage_ledger (
            request_id TEXT COLLATE "C" PRIMARY KEY,
            finished_at_millis BIGINT NOT NULL,
            key_id TEXT COLLATE "C",
            tenant_id TEXT COLLATE "C",
            model TEXT COLLATE "C" NOT NULL,
            served_model TEXT,
            deployment TEXT,
            endpoint TEXT NOT NULL,
            stream BOOLEAN NOT NULL,
            status BIGINT NOT NULL,
            attempts BIGINT NOT NULL,
            prompt_tokens BIGINT NOT NULL,
            completion_tokens BIGINT NOT NULL,
            cached_tokens BIGINT NOT NULL,
            cost_micro_usd BIGINT NOT NULL,
            latency_micros BIGINT NOT NULL,
            time_to_first_token_micros BIGINT,
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
            id TEXT COLLATE "C" PRIMARY KEY,
            tenant_id TEXT COLLATE "C",
            key_id TEXT COLLATE "C",
            created_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL,
            previous_response_id TEXT COLLATE "C",
            model TEXT NOT NULL,
            input_items BYTEA NOT NULL,
            response BYTEA NOT NULL
        )
        """,
        "CREATE INDEX stored_responses_by_expiry ON stored_responses (expires_at)",
    ]

    /// The ids of ledger batches already recorded, so that a retried batch is applied once.
    private static let version3 = [
        """
        CREATE TABLE ledger_batches (
            id TEXT COLLATE "C" PRIMARY KEY,
            recorded_at BIGINT NOT NULL
        )
        """,
        "CREATE INDEX ledger_batches_by_time ON ledger_batches (recorded_at)",
    ]
}
