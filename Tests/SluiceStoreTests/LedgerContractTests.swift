import SluiceStore
import Testing

extension StoreContractTests {
    @Test(arguments: StoreBackend.configured)
    func recordingTheSameRequestTwiceKeepsOneRow(backend: StoreBackend) async throws {
        try await backend.withStore { store throws in
            var full = Fixtures.usageRow("req-1", at: 1_000)
            full.servedModel = "gpt-fallback"
            full.deployment = nil
            full.stream = false
            full.status = 502
            full.attempts = 3
            full.timeToFirstTokenMicros = nil
            full.errorCode = "upstream_error"
            let bare = UsageRow(
                requestID: "req-2", finishedAtMillis: 2_000, keyID: nil, tenantID: nil, model: "embed", servedModel: nil, deployment: nil,
                endpoint: "/v1/embeddings", stream: false, status: 200, attempts: 1, promptTokens: 5, completionTokens: 0, cachedTokens: 0,
                costMicroUSD: 1, latencyMicros: 10, timeToFirstTokenMicros: nil, errorCode: nil
            )
            try await store.record([full, bare], settlements: [])
            var changed = full
            changed.promptTokens = 999
            try await store.record([changed, Fixtures.usageRow("req-3", at: 3_000)], settlements: [])
            try await store.record([Fixtures.usageRow("req-4", at: 4_000), Fixtures.usageRow("req-4", at: 4_000)], settlements: [])
            #expect(try await store.usage(UsageQuery()).map(\.requestID) == ["req-4", "req-3", "req-2", "req-1"])
            #expect(try await store.usage(UsageQuery(keyID: nil)).last == full)
            #expect(try await store.usage(UsageQuery(model: "embed")) == [bare])
        }
    }

    @Test(arguments: StoreBackend.configured)
    func aBatchRecordedAgainIsAppliedOnce(backend: StoreBackend) async throws {
        try await backend.withStore { store throws in
            try await store.createBudget(Fixtures.budget("daily"))
            let settlement = BudgetSettlement(key: Fixtures.period, instanceID: "a", amount: 30)
            let batch = LedgerBatch(id: LedgerBatch.newID(), rows: [Fixtures.usageRow("r1"), Fixtures.usageRow("r2")], settlements: [settlement])
            try await store.record(batch)
            // The retry of a batch whose commit went unseen, and a later batch carrying a row of it.
            try await store.record(batch)
            try await store.record(LedgerBatch(id: LedgerBatch.newID(), rows: [Fixtures.usageRow("r2"), Fixtures.usageRow("r3")], settlements: [settlement]))
            #expect(try await store.usage(UsageQuery()).map(\.requestID).sorted() == ["r1", "r2", "r3"])
            #expect(try await store.budgetUsage(Fixtures.period, now: 1_700_000_100, leaseTTL: 30).spent == 60)

            // Forgotten ids no longer protect a retry; ids recorded since are kept.
            #expect(try await store.forgetLedgerBatches(recordedBefore: 0) == 0)
            #expect(try await store.forgetLedgerBatches(recordedBefore: .max) == 2)
            try await store.record(batch)
            #expect(try await store.budgetUsage(Fixtures.period, now: 1_700_000_100, leaseTTL: 30).spent == 90)
        }
    }

    @Test(arguments: StoreBackend.configured)
    func usageFiltersAndOrdersNewestFirst(backend: StoreBackend) async throws {
        try await backend.withStore { store throws in
            try await store.record(
                [
                    Fixtures.usageRow("a", at: 1_000, keyID: "k1", tenantID: "acme", model: "gpt"),
                    Fixtures.usageRow("b", at: 2_000, keyID: "k2", tenantID: "acme", model: "claude"),
                    Fixtures.usageRow("c", at: 2_000, keyID: "k1", tenantID: "beta", model: "gpt"),
                    Fixtures.usageRow("d", at: 3_000, keyID: nil, tenantID: nil, model: "gpt"),
                ],
                settlements: []
            )
            func ids(_ query: UsageQuery) async throws -> [String] { try await store.usage(query).map(\.requestID) }
            #expect(try await ids(UsageQuery()) == ["d", "c", "b", "a"])
            #expect(try await ids(UsageQuery(limit: 2)) == ["d", "c"])
            #expect(try await ids(UsageQuery(keyID: "k1")) == ["c", "a"])
            #expect(try await ids(UsageQuery(tenantID: "acme")) == ["b", "a"])
            #expect(try await ids(UsageQuery(model: "gpt")) == ["d", "c", "a"])
            #expect(try await ids(UsageQuery(fromMillis: 2_000)) == ["d", "c", "b"])
            #expect(try await ids(UsageQuery(untilMillis: 2_000)) == ["a"])
            #expect(try await ids(UsageQuery(keyID: "k1", tenantID: "beta", model: "gpt", fromMillis: 1_500, untilMillis: 2_500)) == ["c"])
            #expect(try await ids(UsageQuery(tenantID: "nobody")) == [])
        }
    }

    @Test(arguments: StoreBackend.configured)
    func spendSumsPerTenantModelAndUTCDay(backend: StoreBackend) async throws {
        try await backend.withStore { store throws in
            let dayOne: Int64 = 1_709_164_800_000  // 2024-02-29T00:00:00Z
            let dayTwo = dayOne + 86_400_000
            try await store.record(
                [
                    Fixtures.usageRow("1", at: dayOne, tenantID: "beta", model: "gpt", promptTokens: 1, completionTokens: 2, costMicroUSD: 10),
                    Fixtures.usageRow("2", at: dayTwo - 1, tenantID: "beta", model: "gpt", promptTokens: 3, completionTokens: 4, cachedTokens: 2, costMicroUSD: 20),
                    Fixtures.usageRow("3", at: dayOne + 5, tenantID: "acme", model: "gpt", costMicroUSD: 1),
                    Fixtures.usageRow("4", at: dayOne + 6, tenantID: nil, model: "gpt", costMicroUSD: 2),
                    Fixtures.usageRow("5", at: dayOne + 7, tenantID: "acme", model: "claude", costMicroUSD: 3),
                    Fixtures.usageRow("6", at: dayTwo, tenantID: "beta", model: "gpt", promptTokens: 7, completionTokens: 8, costMicroUSD: 40),
                ],
                settlements: []
            )
            let rows = try await store.spend(UsageQuery())
            #expect(rows == [
                SpendRow(tenantID: nil, model: "gpt", day: "2024-02-29", requests: 1, promptTokens: 10, completionTokens: 20, cachedTokens: 0, costMicroUSD: 2),
                SpendRow(tenantID: "acme", model: "claude", day: "2024-02-29", requests: 1, promptTokens: 10, completionTokens: 20, cachedTokens: 0, costMicroUSD: 3),
                SpendRow(tenantID: "acme", model: "gpt", day: "2024-02-29", requests: 1, promptTokens: 10, completionTokens: 20, cachedTokens: 0, costMicroUSD: 1),
                SpendRow(tenantID: "beta", model: "gpt", day: "2024-02-29", requests: 2, promptTokens: 4, completionTokens: 6, cachedTokens: 2, costMicroUSD: 30),
                SpendRow(tenantID: "beta", model: "gpt", day: "2024-03-01", requests: 1, promptTokens: 7, completionTokens: 8, cachedTokens: 0, costMicroUSD: 40),
            ])
            #expect(try await store.spend(UsageQuery(tenantID: "beta", fromMillis: dayTwo)).map(\.day) == ["2024-03-01"])
            #expect(try await store.spend(UsageQuery(model: "claude")).map(\.costMicroUSD) == [3])
        }
    }

    @Test(arguments: StoreBackend.configured)
    func aBatchOf500RowsIsFast(backend: StoreBackend) async throws {
        try await backend.withStore { store throws in
            let batches = 5
            let rowsPerBatch = 500
            let settlements = [BudgetSettlement(key: Fixtures.period, instanceID: "a", amount: 7)]
            var elapsed: Duration = .zero
            for batch in 0..<batches {
                let rows = (0..<rowsPerBatch).map { Fixtures.usageRow("req-\(batch)-\($0)", at: 1_000_000 + Int64(batch * rowsPerBatch + $0)) }
                elapsed += try await ContinuousClock().measure { try await store.record(rows, settlements: settlements) }
            }
            let rowsPerSecond = Double(batches * rowsPerBatch) / (Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds))
            print("[\(backend)] ledger: \(batches) batches of \(rowsPerBatch) rows in \(elapsed), \(Int(rowsPerSecond)) rows/s")
            #expect(try await store.usage(UsageQuery(limit: 10_000)).count == batches * rowsPerBatch)
            #expect(try await store.budgetUsage(Fixtures.period, now: 0, leaseTTL: 30).spent == Int64(7 * batches))
            #expect(elapsed < .seconds(10))
        }
    }
}
