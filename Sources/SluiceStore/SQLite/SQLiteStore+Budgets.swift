import GRDB
import SluiceCore

/// Budget leases: each instance holds a slice of a period's capacity, checked against the limit
/// inside one `IMMEDIATE` transaction, which no other writer can interleave with.
extension SQLiteStore {
    public func leaseBudget(_ request: BudgetLeaseRequest) async throws -> Int64 {
        try await self.database.write { db in
            let key = request.key
            try db.execute(
                sql: "INSERT INTO budget_counters (budget_id, period_start, spent) VALUES (?, ?, 0) ON CONFLICT DO NOTHING",
                arguments: [key.budgetID, key.periodStart]
            )
            let spent = try Int64.fetchOne(
                db,
                sql: "SELECT spent FROM budget_counters WHERE budget_id = ? AND period_start = ?",
                arguments: [key.budgetID, key.periodStart]
            ) ?? 0
            let leased = try Self.liveLeases(db, key: key, liveAfter: request.liveAfter)
            let granted = request.grant(spent: spent, leased: leased)
            try db.execute(
                sql: """
                    INSERT INTO budget_leases (budget_id, period_start, instance_id, amount, renewed_at)
                    VALUES (:budget, :period, :instance, :granted, :now)
                    ON CONFLICT (budget_id, period_start, instance_id) DO UPDATE SET
                        amount = CASE WHEN renewed_at > :liveAfter THEN amount ELSE 0 END + :granted,
                        renewed_at = :now
                    """,
                arguments: [
                    "budget": key.budgetID, "period": key.periodStart, "instance": request.instanceID, "granted": granted,
                    "now": request.now, "liveAfter": request.liveAfter,
                ]
            )
            return granted
        }
    }

    public func returnBudget(_ key: BudgetPeriodKey, instanceID: String, amount: Int64) async throws {
        try await self.database.write { db in
            try db.execute(
                sql: """
                    UPDATE budget_leases SET amount = MAX(amount - ?, 0)
                    WHERE budget_id = ? AND period_start = ? AND instance_id = ?
                    """,
                arguments: [amount, key.budgetID, key.periodStart, instanceID]
            )
        }
    }

    public func renewLeases(instanceID: String, now: UnixTime, leaseTTL: Int64) async throws {
        try await self.database.write { db in
            try db.execute(
                sql: """
                    UPDATE budget_leases SET amount = CASE WHEN renewed_at > :liveAfter THEN amount ELSE 0 END, renewed_at = :now
                    WHERE instance_id = :instance
                    """,
                arguments: ["now": now, "liveAfter": now.subtractingWithSaturation(leaseTTL), "instance": instanceID]
            )
        }
    }

    public func budgetUsage(_ key: BudgetPeriodKey, now: UnixTime, leaseTTL: Int64) async throws -> BudgetUsage {
        try await self.database.read { db in
            let spent = try Int64.fetchOne(
                db,
                sql: "SELECT spent FROM budget_counters WHERE budget_id = ? AND period_start = ?",
                arguments: [key.budgetID, key.periodStart]
            ) ?? 0
            return BudgetUsage(spent: spent, leased: try Self.liveLeases(db, key: key, liveAfter: now - leaseTTL))
        }
    }

    /// The sum of a period's leases renewed after `liveAfter`.
    private static func liveLeases(_ db: Database, key: BudgetPeriodKey, liveAfter: UnixTime) throws -> Int64 {
        try Int64.fetchOne(
            db,
            sql: """
                SELECT COALESCE(SUM(amount), 0) FROM budget_leases
                WHERE budget_id = ? AND period_start = ? AND renewed_at > ?
                """,
            arguments: [key.budgetID, key.periodStart, liveAfter]
        ) ?? 0
    }
}
