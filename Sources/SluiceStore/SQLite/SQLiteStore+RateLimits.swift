import GRDB

/// GCRA cells: the take is read, decided and written in one `IMMEDIATE` transaction.
extension SQLiteStore {
    public func takeRate(_ request: RateTakeRequest) async throws -> RateDecision {
        try await self.database.write { db in
            let storedTAT = try Int64.fetchOne(db, sql: "SELECT tat_micros FROM rate_cells WHERE cell = ?", arguments: [request.cell])
            let step = request.step(storedTAT: storedTAT)
            if let newTAT = step.newTAT {
                try db.execute(
                    sql: """
                        INSERT INTO rate_cells (cell, tat_micros) VALUES (?, ?)
                        ON CONFLICT (cell) DO UPDATE SET tat_micros = excluded.tat_micros
                        """,
                    arguments: [request.cell, newTAT]
                )
            }
            return step.decision
        }
    }
}
