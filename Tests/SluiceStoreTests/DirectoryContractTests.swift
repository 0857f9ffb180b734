import SluiceStore
import Testing

extension StoreContractTests {
    @Test(arguments: StoreBackend.configured)
    func tenantsRoundTripOldestFirst(backend: StoreBackend) async throws {
        try await backend.withStore { store throws in
            let later = Fixtures.tenant("beta", createdAt: 200, metadata: ["team": "search", "cost-centre": "42"])
            let earlier = Fixtures.tenant("acme", createdAt: 100)
            try await store.createTenant(later)
            try await store.createTenant(earlier)
            #expect(try await store.tenant(id: "beta") == later)
            #expect(try await store.tenant(id: "missing") == nil)
            #expect(try await store.tenants() == [earlier, later])
        }
    }

    @Test(arguments: StoreBackend.configured)
    func aDuplicateTenantIsAConflict(backend: StoreBackend) async throws {
        try await backend.withStore { store throws in
            try await store.createTenant(Fixtures.tenant("acme"))
            await #expect(throws: StoreError.conflict("tenant acme")) {
                try await store.createTenant(Fixtures.tenant("acme", createdAt: 5))
            }
            #expect(try await store.tenants().count == 1)
        }
    }

    @Test(arguments: StoreBackend.configured)
    func keysRoundTripAndListOldestFirst(backend: StoreBackend) async throws {
        try await backend.withStore { store throws in
            try await store.createTenant(Fixtures.tenant("acme"))
            let full = VirtualKeyRecord(
                id: "sk-sluice-00000001", hash: String(repeating: "ab", count: 32), tenantID: "acme", name: "CI", allowedModels: ["gpt", "claude"],
                metadata: ["owner": "ci@example.com"], requestsPerMinute: 60, tokensPerMinute: 90_000, createdAt: 300, expiresAt: 9_000, revokedAt: nil
            )
            let bare = Fixtures.key("sk-sluice-00000002", createdAt: 100)
            let sameTime = Fixtures.key("sk-sluice-00000003", tenantID: "acme", createdAt: 300)
            for key in [full, bare, sameTime] { try await store.createKey(key) }

            #expect(try await store.key(id: full.id) == full)
            #expect(try await store.key(hash: full.hash) == full)
            #expect(try await store.key(hash: bare.hash) == bare)
            #expect(try await store.key(id: "sk-sluice-missing0") == nil)
            #expect(try await store.key(hash: "0000") == nil)
            #expect(try await store.keys(tenantID: nil) == [bare, full, sameTime])
            #expect(try await store.keys(tenantID: "acme") == [full, sameTime])
            #expect(try await store.keys(tenantID: "nobody") == [])
        }
    }

    @Test(arguments: StoreBackend.configured)
    func keyConflictsAndUnknownTenants(backend: StoreBackend) async throws {
        try await backend.withStore { store throws in
            try await store.createTenant(Fixtures.tenant("acme"))
            let key = Fixtures.key("sk-sluice-00000001", tenantID: "acme")
            try await store.createKey(key)

            var sameID = Fixtures.key("sk-sluice-00000001")
            sameID.hash = "another-hash"
            await #expect(throws: StoreError.conflict("virtual key sk-sluice-00000001 (its id or its hash)")) { try await store.createKey(sameID) }

            var sameHash = Fixtures.key("sk-sluice-00000002")
            sameHash.hash = key.hash
            await #expect(throws: StoreError.conflict("virtual key sk-sluice-00000002 (its id or its hash)")) { try await store.createKey(sameHash) }

            await #expect(throws: StoreError.notFound("tenant ghost")) {
                try await store.createKey(Fixtures.key("sk-sluice-00000003", tenantID: "ghost"))
            }
            #expect(try await store.keys(tenantID: nil) == [key])
        }
    }

    @Test(arguments: StoreBackend.configured)
    func revokingKeepsTheFirstTime(backend: StoreBackend) async throws {
        try await backend.withStore { store throws in
            try await store.createKey(Fixtures.key("sk-sluice-00000001"))
            #expect(try await store.revokeKey(id: "sk-sluice-missing0", at: 10) == false)
            #expect(try await store.revokeKey(id: "sk-sluice-00000001", at: 500))
            #expect(try await store.revokeKey(id: "sk-sluice-00000001", at: 900))
            #expect(try await store.key(id: "sk-sluice-00000001")?.revokedAt == 500)
            #expect(try await store.key(hash: "hash-of-sk-sluice-00000001")?.revokedAt == 500)
        }
    }

    @Test(arguments: StoreBackend.configured)
    func budgetsRoundTripAndConflict(backend: StoreBackend) async throws {
        try await backend.withStore { store throws in
            let monthly = BudgetRecord(
                id: "monthly", scope: .key, scopeID: "sk-sluice-00000001", model: "gpt", unit: .microUSD, period: .month, limit: 5_000_000,
                createdAt: 200
            )
            let total = BudgetRecord(id: "total", scope: .tenant, scopeID: "acme", unit: .tokens, period: .total, limit: 1 << 40, createdAt: 100)
            try await store.createBudget(monthly)
            try await store.createBudget(total)
            #expect(try await store.budgets() == [total, monthly])
            await #expect(throws: StoreError.conflict("budget monthly")) { try await store.createBudget(monthly) }
        }
    }

    @Test(arguments: StoreBackend.configured)
    func deletingABudgetRemovesItsCountersAndLeases(backend: StoreBackend) async throws {
        try await backend.withStore { store throws in
            try await store.createBudget(Fixtures.budget("daily"))
            try await store.createBudget(Fixtures.budget("other"))
            #expect(try await store.leaseBudget(Fixtures.lease(40, instance: "a")) == 40)
            try await store.record([], settlements: [BudgetSettlement(key: Fixtures.period, instanceID: "a", amount: 15)])
            #expect(try await store.budgetUsage(Fixtures.period, now: 1_700_000_100, leaseTTL: 30) == BudgetUsage(spent: 15, leased: 25))

            #expect(try await store.deleteBudget(id: "daily"))
            #expect(try await store.budgets().map(\.id) == ["other"])
            #expect(try await store.budgetUsage(Fixtures.period, now: 1_700_000_100, leaseTTL: 30) == BudgetUsage(spent: 0, leased: 0))
            #expect(try await store.deleteBudget(id: "daily") == false)
        }
    }

    @Test(arguments: StoreBackend.configured)
    func migratingAgainChangesNothing(backend: StoreBackend) async throws {
        try await backend.withStore { store throws in
            try await store.createTenant(Fixtures.tenant("acme"))
            try await store.migrate()
            #expect(try await store.tenants().map(\.id) == ["acme"])
        }
    }
}
