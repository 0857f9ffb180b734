import PostgresNIO

/// Stored responses of the Responses API. A nil tenant matches only rows without one
/// (`IS NOT DISTINCT FROM`).
extension PostgresStore {
    public func saveResponse(_ response: StoredResponse) async throws {
        try await self.execute(
            """
            INSERT INTO stored_responses (\(unescaped: StoredResponse.postgresColumns))
            VALUES (\(response.id), \(response.tenantID), \(response.keyID), \(response.createdAt), \(response.expiresAt),
                \(response.previousResponseID), \(response.model), \(ByteBuffer(bytes: response.inputItems)), \(ByteBuffer(bytes: response.response)))
            """,
            conflict: "response \(response.id)"
        )
    }

    public func response(id: String, tenantID: String?, now: UnixTime) async throws -> StoredResponse? {
        try await self.fetch(
            """
            SELECT \(unescaped: StoredResponse.postgresColumns) FROM stored_responses
            WHERE id = \(id) AND tenant_id IS NOT DISTINCT FROM \(tenantID) AND expires_at > \(now)
            """,
            StoredResponse.init(postgresRow:)
        ).first
    }

    public func deleteResponse(id: String, tenantID: String?, now: UnixTime) async throws -> Bool {
        try await self.withConnection { connection in
            let deleted = try await self.execute(
                """
                DELETE FROM stored_responses WHERE id = \(id) AND tenant_id IS NOT DISTINCT FROM \(tenantID) AND expires_at > \(now)
                RETURNING id
                """,
                on: connection
            )
            return !deleted.isEmpty
        }
    }

    public func purgeResponses(expiredAt now: UnixTime, limit: Int) async throws -> Int {
        try await self.withConnection { connection in
            let purged = try await self.firstValue(
                Int.self, """
                WITH purged AS (
                    DELETE FROM stored_responses WHERE id IN (SELECT id FROM stored_responses WHERE expires_at <= \(now) LIMIT \(max(0, limit)))
                    RETURNING 1
                ) SELECT count(*) FROM purged
                """,
                on: connection
            )
            return purged ?? 0
        }
    }
}
