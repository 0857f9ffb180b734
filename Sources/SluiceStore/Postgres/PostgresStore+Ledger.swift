import PostgresNIO

/// The usage ledger: a batch's id noted, its rows appended with one INSERT and its settlements
/// applied, in one transaction; and the usage and spend queries.
extension PostgresStore {
    public func record(_ batch: LedgerBatch) async throws {
        // Rows and settlements in a fixed order, so that concurrent batches lock in the same order.
        let rows = batch.rows.sorted { $0.requestID < $1.requestID }
        let settlementsByPeriod = Dictionary(grouping: batch.settlements.mergedByPeriodAndInstance(), by: \.key)
            .sorted { ($0.key.budgetID, $0.key.periodStart) < ($1.key.budgetID, $1.key.periodStart) }
        try await self.withTransaction { connection in
            let new = try await self.execute(
                """
                INSERT INTO ledger_batches (id, recorded_at) VALUES (\(batch.id), EXTRACT(EPOCH FROM now())::BIGINT)
                ON CONFLICT (id) DO NOTHING RETURNING id
                """,
                on: connection
            )
            guard !new.isEmpty else { return }
            if !rows.isEmpty {
                try await self.execute(Self.insertLedgerRows(rows), on: connection)
            }
            for (key, settlements) in settlementsByPeriod {
                let amount = settlements.reduce(0) { $0 + $1.amount }
                try await self.execute(
                    """
                    INSERT INTO budget_counters (budget_id, period_start, spent) VALUES (\(key.budgetID), \(key.periodStart), \(amount))
                    ON CONFLICT (budget_id, period_start) DO UPDATE SET spent = budget_counters.spent + excluded.spent
                    """,
                    on: connection
                )
                for settlement in settlements {
                    try await self.execute(
                        """
                        UPDATE budget_leases SET amount = GREATEST(amount - \(settlement.amount), 0)
                        WHERE budget_id = \(key.budgetID) AND period_start = \(key.periodStart) AND instance_id = \(settlement.instanceID)
                        """,
                        on: connection
                    )
                }
            }
        }
    }

    public func forgetLedgerBatches(recordedBefore before: UnixTime) async throws -> Int {
        try await self.withConnection { connection in
            let deleted = try await self.firstValue(
                Int64.self, "WITH gone AS (DELETE FROM ledger_batches WHERE recorded_at < \(before) RETURNING 1) SELECT COUNT(*) FROM gone", on: connection
            )
            return Int(deleted ?? 0)
        }
    }

    public func usage(_ query: UsageQuery) async throws -> [UsageRow] {
        var filter = Self.ledgerFilter(query)
        filter.bindings.append(Int64(max(0, query.limit)))
        return try await self.fetch(
            PostgresQuery(
                unsafeSQL: """
                    SELECT \(UsageRow.postgresColumns) FROM usage_ledger \(filter.whereClause)
                    ORDER BY finished_at_millis DESC, request_id DESC LIMIT $\(filter.bindings.count)
                    """,
                binds: filter.bindings
            ),
            UsageRow.init(postgresRow:)
        )
    }

    public func spend(_ query: UsageQuery) async throws -> [SpendRow] {
        let filter = Self.ledgerFilter(query)
        return try await self.fetch(
            PostgresQuery(
                unsafeSQL: """
                    SELECT tenant_id, model, finished_at_millis / \(UTCDay.millisecondsPerDay) AS day, COUNT(*),
                        SUM(prompt_tokens)::BIGINT, SUM(completion_tokens)::BIGINT, SUM(cached_tokens)::BIGINT, SUM(cost_micro_usd)::BIGINT
                    FROM usage_ledger \(filter.whereClause)
                    GROUP BY tenant_id, model, day
                    ORDER BY day, tenant_id NULLS FIRST, model
                    """,
                binds: filter.bindings
            )
        ) { row in
            let (tenantID, model, day, requests, promptTokens, completionTokens, cachedTokens, costMicroUSD) =
                try row.decode((String?, String, Int64, Int, Int, Int, Int, Int64).self)
            return SpendRow(
                tenantID: tenantID, model: model, day: UTCDay.string(dayNumber: day), requests: requests, promptTokens: promptTokens,
                completionTokens: completionTokens, cachedTokens: cachedTokens, costMicroUSD: costMicroUSD
            )
        }
    }

    /// One INSERT for every row, with one array parameter per column (18 parameters for any
    /// number of rows); request ids already in the ledger are skipped.
    private static func insertLedgerRows(_ rows: [UsageRow]) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: 18)
        bindings.append(rows.map(\.requestID))
        bindings.append(rows.map(\.finishedAtMillis))
        bindings.append(PostgresNullableArray(rows.map(\.keyID)))
        bindings.append(PostgresNullableArray(rows.map(\.tenantID)))
        bindings.append(rows.map(\.model))
        bindings.append(PostgresNullableArray(rows.map(\.servedModel)))
        bindings.append(PostgresNullableArray(rows.map(\.deployment)))
        bindings.append(rows.map(\.endpoint))
        bindings.append(rows.map(\.stream))
        bindings.append(rows.map { Int64($0.status) })
        bindings.append(rows.map { Int64($0.attempts) })
        bindings.append(rows.map { Int64($0.promptTokens) })
        bindings.append(rows.map { Int64($0.completionTokens) })
        bindings.append(rows.map { Int64($0.cachedTokens) })
        bindings.append(rows.map(\.costMicroUSD))
        bindings.append(rows.map(\.latencyMicros))
        bindings.append(PostgresNullableArray(rows.map(\.timeToFirstTokenMicros)))
        bindings.append(PostgresNullableArray(rows.map(\.errorCode)))
        return PostgresQuery(
            unsafeSQL: """
                INSERT INTO usage_ledger (\(UsageRow.postgresColumns))
                SELECT * FROM UNNEST(
                    $1::TEXT[], $2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::TEXT[], $7::TEXT[], $8::TEXT[], $9::BOOLEAN[],
                    $10::BIGINT[], $11::BIGINT[], $12::BIGINT[], $13::BIGINT[], $14::BIGINT[], $15::BIGINT[], $16::BIGINT[],
                    $17::BIGINT[], $18::TEXT[]
                )
                ON CONFLICT (request_id) DO NOTHING
                """,
            binds: bindings
        )
    }

    /// The WHERE clause (empty when nothing filters) and its bindings for a query's non-nil fields.
    private static func ledgerFilter(_ query: UsageQuery) -> (whereClause: String, bindings: PostgresBindings) {
        var conditions: [String] = []
        var bindings = PostgresBindings()
        if let keyID = query.keyID {
            bindings.append(keyID)
            conditions.append("key_id = $\(bindings.count)")
        }
        if let tenantID = query.tenantID {
            bindings.append(tenantID)
            conditions.append("tenant_id = $\(bindings.count)")
        }
        if let model = query.model {
            bindings.append(model)
            conditions.append("model = $\(bindings.count)")
        }
        if let fromMillis = query.fromMillis {
            bindings.append(fromMillis)
            conditions.append("finished_at_millis >= $\(bindings.count)")
        }
        if let untilMillis = query.untilMillis {
            bindings.append(untilMillis)
            conditions.append("finished_at_millis < $\(bindings.count)")
        }
        return (conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "), bindings)
    }
}
