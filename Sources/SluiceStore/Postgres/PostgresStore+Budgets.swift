import PostgresNIO
import SluiceCore

/// Budget leases. Each lease decision locks the period's counter row first, so deciders for one
/// period take turns; every statement after the lock sees what the previous holder committed.
extension PostgresStore {
    public func leaseBudget(_ request: BudgetLeaseRequest) async throws -> Int64 {
        let key = request.key
        return try await self.withTransaction { connection in
            try await self.execute(
                """
                INSERT INTO budget_counters (budget_id, period_start, spent) VALUES (\(key.budgetID), \(key.periodStart), 0)
                ON CONFLICT (budget_id, period_start) DO NOTHING
                """,
                on: connection
            )
            let spent = try await self.firstValue(
                Int64.self,
                "SELECT spent FROM budget_counters WHERE budget_id = \(key.budgetID) AND period_start = \(key.periodStart) FOR UPDATE",
                on: connection
            ) ?? 0
            // A statement of its own, after the lock: read in the statement that waited for the lock,
            // the leases would come from a snapshot taken before the previous holder committed.
            let leased = try await self.liveLeases(key: key, liveAfter: request.liveAfter, on: connection)
            let granted = request.grant(spent: spent, leased: leased)
            try await self.execute(
                """
                INSERT INTO budget_leases (budget_id, period_start, instance_id, amount, renewed_at)
                VALUES (\(key.budgetID), \(key.periodStart), \(request.instanceID), \(granted), \(request.now))
                ON CONFLICT (budget_id, period_start, instance_id) DO UPDATE SET
                    amount = CASE WHEN budget_leases.renewed_at > \(request.liveAfter) THEN budget_leases.amount ELSE 0 END + \(granted),
                    renewed_at = \(request.now)
                """,
                on: connection
            )
            return granted
        }
    }

    public func returnBudget(_ key: BudgetPeriodKey, instanceID: String, amount: Int64) async throws {
        try await self.execute(
            """
            UPDATE budget_leases SET amount = GREATEST(amount - \(amount), 0)
            WHERE budget_id = \(key.budgetID) AND period_start = \(key.periodStart) AND instance_id = \(instanceID)
            """
        )
    }

    public func renewLeases(instanceID: String, now: UnixTime, leaseTTL: Int64) async throws {
        // Rows locked in key order, the order ``record(_:)`` locks them in: no deadlock.
        try await self.execute(
            """
            UPDATE budget_leases
            SET amount = CASE WHEN renewed_at > \(now.subtractingWithSaturation(leaseTTL)) THEN amount ELSE 0 END, renewed_at = \(now)
            WHERE (budget_id, period_start, instance_id) IN (
                SELECT budget_id, period_start, instance_id FROM budget_leases WHERE instance_id = \(instanceID)
                ORDER BY budget_id, period_start FOR UPDATE
            )
            """
        )
    }

    public func budgetUsage(_ key: BudgetPeriodKey, now: UnixTime, leaseTTL: Int64) async throws -> BudgetUsage {
        try await self.withConnection { connection in
            let spent = try await self.firstValue(
                Int64.self,
                "SELECT spent FROM budget_counters WHERE budget_id = \(key.budgetID) AND period_start = \(key.periodStart)",
                on: connection
            ) ?? 0
            return BudgetUsage(spent: spent, leased: try await self.liveLeases(key: key, liveAfter: now - leaseTTL, on: connection))
        }
    }

    /// The sum of a period's leases renewed after `liveAfter`.
    private func liveLeases(key: BudgetPeriodKey, liveAfter: UnixTime, on connection: PostgresConnection) async throws -> Int64 {
        try await self.firstValue(
            Int64.self,
            """
            SELECT COALESCE(SUM(amount), 0)::BIGINT FROM budget_leases
            WHERE budget_id = \(key.budgetID) AND period_start = \(key.periodStart) AND renewed_at > \(liveAfter)
            """,
            on: connection
        ) ?? 0
    }
}
