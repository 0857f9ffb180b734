import Foundation
import GRDB

/// Stored responses of the Responses API. A nil tenant matches only rows without one (`IS`).
extension SQLiteStore {
    public func saveResponse(_ response: StoredResponse) async throws {
        try await SQLiteConstraint.mapping(conflict: "response \(response.id)") {
            try await self.database.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO stored_responses (id, tenant_id, key_id, created_at, expires_at, previous_response_id, model,
                            input_items, response)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        response.id, response.tenantID, response.keyID, response.createdAt, response.expiresAt, response.previousResponseID,
                        response.model, Data(response.inputItems), Data(response.response),
                    ]
                )
            }
        }
    }

    public func response(id: String, tenantID: String?, now: UnixTime) async throws -> StoredResponse? {
        try await self.database.read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM stored_responses WHERE id = ? AND tenant_id IS ? AND expires_at > ?", arguments: [id, tenantID, now]
            ).map(StoredResponse.init(sqliteRow:))
        }
    }

    public func deleteResponse(id: String, tenantID: String?, now: UnixTime) async throws -> Bool {
        try await self.database.write { db in
            try db.execute(sql: "DELETE FROM stored_responses WHERE id = ? AND tenant_id IS ? AND expires_at > ?", arguments: [id, tenantID, now])
            return db.changesCount > 0
        }
    }

    public func purgeResponses(expiredAt now: UnixTime, limit: Int) async throws -> Int {
        try await self.database.write { db in
            try db.execute(
                sql: "DELETE FROM stored_responses WHERE id IN (SELECT id FROM stored_responses WHERE expires_at <= ? LIMIT ?)",
                arguments: [now, max(0, limit)]
            )
            return db.changesCount
        }
    }
}
