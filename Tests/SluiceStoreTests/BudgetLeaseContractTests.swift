import SluiceStore
import Testing

extension StoreContractTests {
    @Test(arguments: StoreBackend.configured)
    func leasesNeverPassTheLimit(backend: StoreBackend) async throws {
        try await backend.withStore { store throws in
            #expect(try await store.leaseBudget(Fixtures.lease(60, instance: "a")) == 60)
            #expect(try await store.leaseBudget(Fixtures.lease(60, instance: "b")) == 40)
            #expect(try await store.leaseBudget(Fixtures.lease(10, instance: "a")) == 0)
            #expect(try await store.leaseBudget(Fixtures.lease(0, instance: "c")) == 0)
            #expect(try await store.budgetUsage(Fixtures.period, now: 1_700_000_100, leaseTTL: 30) == BudgetUsage(spent: 0, leased: 100))
            // Another period of the same budget has its own capacity.
            var nextDay = Fixtures.lease(70, instance: "a")
            nextDay.key.periodStart += 86_400
            #expect(try await store.leaseBudget(nextDay) == 70)
        }
    }

    @Test(arguments: StoreBackend.configured)
    func anInstancesLeaseGrowsAndCountsAgainstItself(backend: StoreBackend) async throws {
        try await backend.withStore { store throws in
            #expect(try await store.leaseBudget(Fixtures.lease(30, instance: "a")) == 30)
            #expect(try await store.leaseBudget(Fixtures.lease(50, instance: "a")) == 50)
            #expect(try await store.leaseBudget(Fixtures.lease(50, instance: "a")) == 20)
            #expect(try await store.budgetUsage(Fixtures.period, now: 1_700_000_100, leaseTTL: 30).leased == 100)
        }
    }

    @Test(arguments: StoreBackend.configured)
    func settlementsMoveLeaseToSpend(backend: StoreBackend) async throws {
        try await backend.withStore { store throws in
            #expect(try await store.leaseBudget(Fixtures.lease(50, instance: "a")) == 50)
            #expect(try await store.leaseBudget(Fixtures.lease(30, instance: "b")) == 30)
            try await store.record([], settlements: [BudgetSettlement(key: Fixtures.period, instanceID: "a", amount: 20)])
            #expect(try await store.budgetUsage(Fixtures.period, now: 1_700_000_100, leaseTTL: 30) == BudgetUsage(spent: 20, leased: 60))
            // Spend beyond the lease still counts in full; the lease stops at zero.
            try await store.record([], settlements: [BudgetSettlement(key: Fixtures.period, instanceID: "b", amount: 45)])
            #expect(try await store.budgetUsage(Fixtures.period, now: 1_700_000_100, leaseTTL: 30) == BudgetUsage(spent: 65, leased: 30))
            #expect(try await store.leaseBudget(Fixtures.lease(50, instance: "c")) == 5)
            // Several settlements for one lease in one batch add up.
            try await store.record(
                [],
                settlements: [
                    BudgetSettlement(key: Fixtures.period, instanceID: "a", amount: 10),
                    BudgetSettlement(key: Fixtures.period, instanceID: "c", amount: 5),
                    BudgetSettlement(key: Fixtures.period, instanceID: "a", amount: 15),
                ]
            )
            #expect(try await store.budgetUsage(Fixtures.period, now: 1_700_000_100, leaseTTL: 30) == BudgetUsage(spent: 95, leased: 5))
        }
    }

    @Test(arguments: StoreBackend.configured)
    func returnedCapacityIsFreeAgainAndLeasesStopAtZero(backend: StoreBackend) async throws {
        try await backend.withStore { store throws in
            #expect(try await store.leaseBudget(Fixtures.lease(100, instance: "a")) == 100)
            try await store.returnBudget(Fixtures.period, instanceID: "a", amount: 30)
            #expect(try await store.leaseBudget(Fixtures.lease(50, instance: "b")) == 30)
            try await store.returnBudget(Fixtures.period, instanceID: "a", amount: 500)
            #expect(try await store.budgetUsage(Fixtures.period, now: 1_700_000_100, leaseTTL: 30) == BudgetUsage(spent: 0, leased: 30))
            try await store.returnBudget(Fixtures.period, instanceID: "nobody", amount: 5)
            #expect(try await store.leaseBudget(Fixtures.lease(100, instance: "a")) == 70)
        }
    }

    @Test(arguments: StoreBackend.configured)
    func leasesStopCountingAfterTheirTTL(backend: StoreBackend) async throws {
        try await backend.withStore { store throws in
            #expect(try await store.leaseBudget(Fixtures.lease(80, instance: "a", now: 1_000, ttl: 30)) == 80)
            // Renewed at 1000 with a TTL of 30: alive while now - 30 < 1000.
            #expect(try await store.budgetUsage(Fixtures.period, now: 1_029, leaseTTL: 30).leased == 80)
            #expect(try await store.leaseBudget(Fixtures.lease(100, instance: "b", now: 1_029, ttl: 30)) == 20)
            #expect(try await store.budgetUsage(Fixtures.period, now: 1_030, leaseTTL: 30).leased == 20)
            #expect(try await store.leaseBudget(Fixtures.lease(100, instance: "c", now: 1_030, ttl: 30)) == 80)
        }
    }

    @Test(arguments: StoreBackend.configured)
    func renewalKeepsLeasesAlive(backend: StoreBackend) async throws {
        try await backend.withStore { store throws in
            #expect(try await store.leaseBudget(Fixtures.lease(60, instance: "a", now: 1_000, ttl: 30)) == 60)
            #expect(try await store.leaseBudget(Fixtures.lease(10, instance: "b", now: 1_000, ttl: 30)) == 10)
            try await store.renewLeases(instanceID: "a", now: 1_020, leaseTTL: 30)
            #expect(try await store.budgetUsage(Fixtures.period, now: 1_045, leaseTTL: 30) == BudgetUsage(spent: 0, leased: 60))
            #expect(try await store.leaseBudget(Fixtures.lease(100, instance: "c", now: 1_045, ttl: 30)) == 40)
        }
    }

    @Test(arguments: StoreBackend.configured)
    func aLapsedLeaseIsNotRevivedByARenewal(backend: StoreBackend) async throws {
        try await backend.withStore { store throws in
            #expect(try await store.leaseBudget(Fixtures.lease(60, instance: "a", now: 1_000, ttl: 30)) == 60)
            // a's lease lapses at 1030 and b takes the capacity it held.
            #expect(try await store.leaseBudget(Fixtures.lease(100, instance: "b", now: 1_030, ttl: 30)) == 100)
            try await store.renewLeases(instanceID: "a", now: 1_031, leaseTTL: 30)
            #expect(try await store.budgetUsage(Fixtures.period, now: 1_031, leaseTTL: 30) == BudgetUsage(spent: 0, leased: 100))
            #expect(try await store.leaseBudget(Fixtures.lease(10, instance: "a", now: 1_031, ttl: 30)) == 0)
        }
    }

    @Test(arguments: StoreBackend.configured)
    func anExpiredOwnLeaseStartsAgainFromZero(backend: StoreBackend) async throws {
        try await backend.withStore { store throws in
            #expect(try await store.leaseBudget(Fixtures.lease(80, instance: "a", now: 1_000, ttl: 30)) == 80)
            #expect(try await store.leaseBudget(Fixtures.lease(10, instance: "a", now: 1_100, ttl: 30)) == 10)
            #expect(try await store.budgetUsage(Fixtures.period, now: 1_100, leaseTTL: 30).leased == 10)
            #expect(try await store.leaseBudget(Fixtures.lease(100, instance: "b", now: 1_100, ttl: 30)) == 90)
        }
    }

    @Test(arguments: StoreBackend.configured)
    func concurrentLeasesGrantExactlyTheLimit(backend: StoreBackend) async throws {
        try await backend.withStore { store throws in
            let granted = try await Self.leaseConcurrently(stores: [store], calls: 200, limit: 50)
            #expect(granted == 50)
            #expect(try await store.budgetUsage(Fixtures.period, now: 1_700_000_100, leaseTTL: 30).leased == 50)
        }
    }

    @Test(arguments: StoreBackend.configured)
    func concurrentLeasesFromTwoStoreInstancesGrantExactlyTheLimit(backend: StoreBackend) async throws {
        try await backend.withStores(count: 2) { stores throws in
            let granted = try await Self.leaseConcurrently(stores: stores, calls: 200, limit: 50)
            #expect(granted == 50)
            for store in stores {
                #expect(try await store.budgetUsage(Fixtures.period, now: 1_700_000_100, leaseTTL: 30).leased == 50)
            }
        }
    }

    /// `calls` leases of 1 unit each, all at once, spread over the stores and over eight instance ids.
    private static func leaseConcurrently(stores: [any GovernanceStore], calls: Int, limit: Int64) async throws -> Int64 {
        try await withThrowingTaskGroup(of: Int64.self) { group in
            for call in 0..<calls {
                let store = stores[call % stores.count]
                group.addTask { try await store.leaseBudget(Fixtures.lease(1, instance: "instance-\(call % 8)", limit: limit)) }
            }
            return try await group.reduce(0, +)
        }
    }
}
