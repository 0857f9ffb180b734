import SluiceStore
import Testing

extension StoreContractTests {
    @Test(arguments: StoreBackend.configured)
    func limitsOutOfRangeInTheStoreAreRefusedWhenRead(backend: StoreBackend) async throws {
        try await backend.withStore { store throws in
            try await store.createBudget(Fixtures.budget("negative", limit: .min))
            await #expect(throws: (any Error).self, "a negative limit is not guessed at") { try await store.budgets() }
            #expect(try await store.deleteBudget(id: "negative"))
            try await store.createBudget(Fixtures.budget("largest", limit: .max))
            #expect(try await store.budgets().map(\.limit) == [.max])

            var key = Fixtures.key("sk-sluice-00000001")
            key.requestsPerMinute = 0
            key.tokensPerMinute = .min
            try await store.createKey(key)
            await #expect(throws: (any Error).self) { try await store.key(id: "sk-sluice-00000001") }
        }
    }

    @Test(arguments: StoreBackend.configured)
    func negativeCountsInTheLedgerReadAsZero(backend: StoreBackend) async throws {
        try await backend.withStore { store throws in
            var row = Fixtures.usageRow("r1", promptTokens: .min, completionTokens: -1, cachedTokens: -5, costMicroUSD: .min)
            row.latencyMicros = -1
            row.attempts = -3
            try await store.record([row, Fixtures.usageRow("r2", promptTokens: .max, costMicroUSD: .max)], settlements: [])
            let rows = try await store.usage(UsageQuery(limit: 10)).sorted { $0.requestID < $1.requestID }
            #expect(rows.map(\.promptTokens) == [0, .max])
            #expect(rows.map(\.completionTokens) == [0, 20])
            #expect(rows.map(\.cachedTokens) == [0, 0])
            #expect(rows.map(\.costMicroUSD) == [0, .max])
            #expect(rows[0].latencyMicros == 0 && rows[0].attempts == 0)
        }
    }
}
