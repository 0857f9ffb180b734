import PostgresNIO

/// Tenants, virtual keys and budget definitions.
extension PostgresStore {
    public func createTenant(_ tenant: TenantRecord) async throws {
        let metadata = try StoredJSON.encode(tenant.metadata)
        try await self.execute(
            """
            INSERT INTO tenants (id, name, metadata, created_at)
            VALUES (\(tenant.id), \(tenant.name), \(metadata), \(tenant.createdAt))
            """,
            conflict: "tenant \(tenant.id)"
        )
    }

    public func tenant(id: String) async throws -> TenantRecord? {
        try await self.fetch("SELECT \(unescaped: TenantRecord.postgresColumns) FROM tenants WHERE id = \(id)", TenantRecord.init(postgresRow:)).first
    }

    public func tenants() async throws -> [TenantRecord] {
        try await self.fetch("SELECT \(unescaped: TenantRecord.postgresColumns) FROM tenants ORDER BY created_at, id", TenantRecord.init(postgresRow:))
    }

    public func createKey(_ key: VirtualKeyRecord) async throws {
        let allowedModels = try StoredJSON.encode(key.allowedModels)
        let metadata = try StoredJSON.encode(key.metadata)
        try await self.execute(
            """
            INSERT INTO virtual_keys (\(unescaped: VirtualKeyRecord.postgresColumns))
            VALUES (\(key.id), \(key.hash), \(key.tenantID), \(key.name), \(allowedModels), \(metadata), \(key.requestsPerMinute),
                \(key.tokensPerMinute), \(key.createdAt), \(key.expiresAt), \(key.revokedAt))
            """,
            conflict: "virtual key \(key.id) (its id or its hash)", notFound: "tenant \(key.tenantID ?? "")"
        )
    }

    public func key(hash: String) async throws -> VirtualKeyRecord? {
        try await self.fetch(
            "SELECT \(unescaped: VirtualKeyRecord.postgresColumns) FROM virtual_keys WHERE hash = \(hash)", VirtualKeyRecord.init(postgresRow:)
        ).first
    }

    public func key(id: String) async throws -> VirtualKeyRecord? {
        try await self.fetch(
            "SELECT \(unescaped: VirtualKeyRecord.postgresColumns) FROM virtual_keys WHERE id = \(id)", VirtualKeyRecord.init(postgresRow:)
        ).first
    }

    public func keys(tenantID: String?) async throws -> [VirtualKeyRecord] {
        let query: PostgresQuery =
            if let tenantID {
                "SELECT \(unescaped: VirtualKeyRecord.postgresColumns) FROM virtual_keys WHERE tenant_id = \(tenantID) ORDER BY created_at, id"
            } else {
                "SELECT \(unescaped: VirtualKeyRecord.postgresColumns) FROM virtual_keys ORDER BY created_at, id"
            }
        return try await self.fetch(query, VirtualKeyRecord.init(postgresRow:))
    }

    public func revokeKey(id: String, at: UnixTime) async throws -> Bool {
        try await self.withConnection { connection in
            let revoked = try await self.execute(
                "UPDATE virtual_keys SET revoked_at = COALESCE(revoked_at, \(at)) WHERE id = \(id) RETURNING id", on: connection
            )
            return !revoked.isEmpty
        }
    }

    public func createBudget(_ budget: BudgetRecord) async throws {
        try await self.execute(
            """
            INSERT INTO budgets (\(unescaped: BudgetRecord.postgresColumns))
            VALUES (\(budget.id), \(budget.scope.rawValue), \(budget.scopeID), \(budget.model), \(budget.unit.rawValue),
                \(budget.period.rawValue), \(budget.limit), \(budget.createdAt))
            """,
            conflict: "budget \(budget.id)"
        )
    }

    public func budgets() async throws -> [BudgetRecord] {
        try await self.fetch("SELECT \(unescaped: BudgetRecord.postgresColumns) FROM budgets ORDER BY created_at, id", BudgetRecord.init(postgresRow:))
    }

    public func deleteBudget(id: String) async throws -> Bool {
        try await self.withTransaction { connection in
            let deleted = try await self.execute("DELETE FROM budgets WHERE id = \(id) RETURNING id", on: connection)
            try await self.execute("DELETE FROM budget_counters WHERE budget_id = \(id)", on: connection)
            try await self.execute("DELETE FROM budget_leases WHERE budget_id = \(id)", on: connection)
            return !deleted.isEmpty
        }
    }
}
