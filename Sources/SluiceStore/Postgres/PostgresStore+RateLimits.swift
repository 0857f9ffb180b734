import PostgresNIO

/// GCRA cells: the cell's row is locked, the take decided, and the new TAT written in one transaction.
extension PostgresStore {
    public func takeRate(_ request: RateTakeRequest) async throws -> RateDecision {
        try await self.withTransaction { connection in
            // A new cell starts at now, which is the same as no TAT at all.
            try await self.execute(
                "INSERT INTO rate_cells (cell, tat_micros) VALUES (\(request.cell), \(request.nowMicros)) ON CONFLICT (cell) DO NOTHING",
                on: connection
            )
            let storedTAT = try await self.firstValue(
                Int64.self, "SELECT tat_micros FROM rate_cells WHERE cell = \(request.cell) FOR UPDATE", on: connection
            )
            let step = request.step(storedTAT: storedTAT)
            if let newTAT = step.newTAT {
                try await self.execute("UPDATE rate_cells SET tat_micros = \(newTAT) WHERE cell = \(request.cell)", on: connection)
            }
            return step.decision
        }
    }
}
