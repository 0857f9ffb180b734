import SluiceStore

/// Records with sensible defaults, so each test spells out only what it is about.
enum Fixtures {
    static func tenant(_ id: String, createdAt: UnixTime = 1_700_000_000, metadata: [String: String] = [:]) -> TenantRecord {
        TenantRecord(id: id, name: "Tenant \(id)", metadata: metadata, createdAt: createdAt)
    }

    static func key(_ id: String, tenantID: String? = nil, createdAt: UnixTime = 1_700_000_000) -> VirtualKeyRecord {
        VirtualKeyRecord(id: id, hash: "hash-of-\(id)", tenantID: tenantID, name: "Key \(id)", createdAt: createdAt)
    }

    static func budget(_ id: String, limit: Int64 = 1_000, createdAt: UnixTime = 1_700_000_000) -> BudgetRecord {
        BudgetRecord(id: id, scope: .tenant, scopeID: "acme", unit: .tokens, period: .day, limit: limit, createdAt: createdAt)
    }

    static func usageRow(
        _ requestID: String, at finishedAtMillis: Int64 = 1_700_000_000_000, keyID: String? = "sk-sluice-aaaaaaaa", tenantID: String? = "acme",
        model: String = "gpt", promptTokens: Int = 10, completionTokens: Int = 20, cachedTokens: Int = 0, costMicroUSD: Int64 = 100
    ) -> UsageRow {
        UsageRow(
            requestID: requestID, finishedAtMillis: finishedAtMillis, keyID: keyID, tenantID: tenantID, model: model, servedModel: model,
            deployment: "primary", endpoint: "/v1/chat/completions", stream: true, status: 200, attempts: 1, promptTokens: promptTokens,
            completionTokens: completionTokens, cachedTokens: cachedTokens, costMicroUSD: costMicroUSD, latencyMicros: 250_000,
            timeToFirstTokenMicros: 80_000, errorCode: nil
        )
    }

    static let period = BudgetPeriodKey(budgetID: "daily", periodStart: 1_700_000_000)

    static func lease(_ amount: Int64, instance: String, limit: Int64 = 100, now: UnixTime = 1_700_000_100, ttl: Int64 = 30) -> BudgetLeaseRequest {
        BudgetLeaseRequest(key: Self.period, instanceID: instance, amount: amount, limit: limit, now: now, leaseTTL: ttl)
    }
}

extension GovernanceStore {
    /// Records rows and settlements as one new batch.
    func record(_ rows: [UsageRow], settlements: [BudgetSettlement]) async throws {
        try await self.record(LedgerBatch(id: LedgerBatch.newID(), rows: rows, settlements: settlements))
    }
}
