import GRDB

/// The usage ledger: a batch's id noted, its rows appended with one prepared statement and its
/// settlements applied, in one transaction; and the usage and spend queries.
extension SQLiteStore {
    public func record(_ batch: LedgerBatch) async throws {
        let rows = batch.rows
        let settlements = batch.settlements.mergedByPeriodAndInstance()
        try await self.database.write { db in
            try db.execute(
                sql: "INSERT INTO ledger_batches (id, recorded_at) VALUES (?, CAST(strftime('%s', 'now') AS INTEGER)) ON CONFLICT (id) DO NOTHING",
                arguments: [batch.id]
            )
            guard db.changesCount > 0 else { return }
            let insertRow = try db.cachedStatement(
                sql: """
                    INSERT INTO usage_ledger (request_id, finished_at_millis, key_id, tenant_id, model, served_model, deployment,
                        endpoint, stream, status, attempts, prompt_tokens, completion_tokens, cached_tokens, cost_micro_usd,
                        latency_micros, time_to_first_token_micros, error_code)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (request_id) DO NOTHING
                    """
            )
            for row in rows {
                try insertRow.execute(arguments: [
                    row.requestID, row.finishedAtMillis, row.keyID, row.tenantID, row.model, row.servedModel, row.deployment,
                    row.endpoint, row.stream, row.status, row.attempts, row.promptTokens, row.completionTokens, row.cachedTokens,
                    row.costMicroUSD, row.latencyMicros, row.timeToFirstTokenMicros, row.errorCode,
                ])
            }
            let addSpend = try db.cachedStatement(
                sql: """
                    INSERT INTO budget_counters (budget_id, period_start, spent) VALUES (?, ?, ?)
                    ON CONFLICT (budget_id, period_start) DO UPDATE SET spent = spent + excluded.spent
                    """
            )
            let drawLease = try db.cachedStatement(
                sql: """
                    UPDATE budget_leases SET amount = MAX(amount - ?, 0)
                    WHERE budget_id = ? AND period_start = ? AND instance_id = ?
                    """
            )
            for settlement in settlements {
                try addSpend.execute(arguments: [settlement.key.budgetID, settlement.key.periodStart, settlement.amount])
                try drawLease.execute(arguments: [settlement.amount, settlement.key.budgetID, settlement.key.periodStart, settlement.instanceID])
            }
        }
    }

    public func forgetLedgerBatches(recordedBefore before: UnixTime) async throws -> Int {
        try await self.database.write { db in
            try db.execute(sql: "DELETE FROM ledger_batches WHERE recorded_at < ?", arguments: [before])
            return db.changesCount
        }
    }

    public func usage(_ query: UsageQuery) async throws -> [UsageRow] {
        let filter = Self.ledgerFilter(query)
        return try await self.database.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM usage_ledger \(filter.whereClause) ORDER BY finished_at_millis DESC, request_id DESC LIMIT ?",
                arguments: filter.arguments + [max(0, query.limit)]
            ).map(UsageRow.init(sqliteRow:))
        }
    }

    public func spend(_ query: UsageQuery) async throws -> [SpendRow] {
        let filter = Self.ledgerFilter(query)
        return try await self.database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT tenant_id, model, finished_at_millis / \(UTCDay.millisecondsPerDay) AS day, COUNT(*) AS requests,
                        SUM(prompt_tokens) AS prompt_tokens, SUM(completion_tokens) AS completion_tokens,
                        SUM(cached_tokens) AS cached_tokens, SUM(cost_micro_usd) AS cost_micro_usd
                    FROM usage_ledger \(filter.whereClause)
                    GROUP BY tenant_id, model, day
                    ORDER BY day, tenant_id NULLS FIRST, model
                    """,
                arguments: filter.arguments
            ).map { row in
                SpendRow(
                    tenantID: try row.decode(forColumn: "tenant_id"),
                    model: try row.decode(forColumn: "model"),
                    day: UTCDay.string(dayNumber: try row.decode(forColumn: "day")),
                    requests: try row.decode(forColumn: "requests"),
                    promptTokens: try row.decode(forColumn: "prompt_tokens"),
                    completionTokens: try row.decode(forColumn: "completion_tokens"),
                    cachedTokens: try row.decode(forColumn: "cached_tokens"),
                    costMicroUSD: try row.decode(forColumn: "cost_micro_usd")
                )
            }
        }
    }

    /// The WHERE clause (empty when nothing filters) and its arguments for a query's non-nil fields.
    private static func ledgerFilter(_ query: UsageQuery) -> (whereClause: String, arguments: StatementArguments) {
        var conditions: [String] = []
        var arguments = StatementArguments()
        func add(_ condition: String, _ value: (any DatabaseValueConvertible)?) {
            guard let value else { return }
            conditions.append(condition)
            arguments += [value]
        }
        add("key_id = ?", query.keyID)
        add("tenant_id = ?", query.tenantID)
        add("model = ?", query.model)
        add("finished_at_millis >= ?", query.fromMillis)
        add("finished_at_millis < ?", query.untilMillis)
        return (conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "), arguments)
    }
}
