import GRDB

/// Tenants, virtual keys and budget definitions.
extension SQLiteStore {
    public func createTenant(_ tenant: TenantRecord) async throws {
        let metadata = try StoredJSON.encode(tenant.metadata)
        try await SQLiteConstraint.mapping(conflict: "tenant \(tenant.id)") {
            try await self.database.write { db in
                try db.execute(
                    sql: "INSERT INTO tenants (id, name, metadata, created_at) VALUES (?, ?, ?, ?)",
                    arguments: [tenant.id, tenant.name, metadata, tenant.createdAt]
                )
            }
        }
    }

    public func tenant(id: String) async throws -> TenantRecord? {
        try await self.database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM tenants WHERE id = ?", arguments: [id]).map(TenantRecord.init(sqliteRow:))
        }
    }

    public func tenants() async throws -> [TenantRecord] {
        try await self.database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM tenants ORDER BY created_at, id").map(TenantRecord.init(sqliteRow:))
        }
    }

    public func createKey(_ key: VirtualKeyRecord) async throws {
        let allowedModels = try StoredJSON.encode(key.allowedModels)
        let metadata = try StoredJSON.encode(key.metadata)
        try await SQLiteConstraint.mapping(conflict: "virtual key \(key.id) (its id or its hash)", notFound: "tenant \(key.tenantID ?? "")") {
            try await self.database.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO virtual_keys (id, hash, tenant_id, name, allowed_models, metadata, requests_per_minute,
                            tokens_per_minute, created_at, expires_at, revoked_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        key.id, key.hash, key.tenantID, key.name, allowedModels, metadata, key.requestsPerMinute,
                        key.tokensPerMinute, key.createdAt, key.expiresAt, key.revokedAt,
                    ]
                )
            }
        }
    }

    public func key(hash: String) async throws -> VirtualKeyRecord? {
        try await self.database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM virtual_keys WHERE hash = ?", arguments: [hash]).map(VirtualKeyRecord.init(sqliteRow:))
        }
    }

    public func key(id: String) async throws -> VirtualKeyRecord? {
        try await self.database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM virtual_keys WHERE id = ?", arguments: [id]).map(VirtualKeyRecord.init(sqliteRow:))
        }
    }

    public func keys(tenantID: String?) async throws -> [VirtualKeyRecord] {
        try await self.database.read { db in
            let rows =
                if let tenantID {
                    try Row.fetchAll(db, sql: "SELECT * FROM virtual_keys WHERE tenant_id = ? ORDER BY created_at, id", arguments: [tenantID])
                } else {
                    try Row.fetchAll(db, sql: "SELECT * FROM virtual_keys ORDER BY created_at, id")
                }
            return try rows.map(VirtualKeyRecord.init(sqliteRow:))
        }
    }

    public func revokeKey(id: String, at: UnixTime) async throws -> Bool {
        try await self.database.write { db in
            try db.execute(sql: "UPDATE virtual_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", arguments: [at, id])
            return db.changesCount > 0
        }
    }

    public func createBudget(_ budget: BudgetRecord) async throws {
        try await SQLiteConstraint.mapping(conflict: "budget \(budget.id)") {
            try await self.database.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO budgets (id, scope, scope_id, model, unit, period, limit_amount, created_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        budget.id, budget.scope.rawValue, budget.scopeID, budget.model, budget.unit.rawValue, budget.period.rawValue,
                        budget.limit, budget.createdAt,
                    ]
                )
            }
        }
    }

    public func budgets() async throws -> [BudgetRecord] {
        try await self.database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM budgets ORDER BY created_at, id").map(BudgetRecord.init(sqliteRow:))
        }
    }

    public func deleteBudget(id: String) async throws -> Bool {
        try await self.database.write { db in
            try db.execute(sql: "DELETE FROM budgets WHERE id = ?", arguments: [id])
            let existed = db.changesCount > 0
            try db.execute(sql: "DELETE FROM budget_counters WHERE budget_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM budget_leases WHERE budget_id = ?", arguments: [id])
            return existed
        }
    }
}
