import Foundation
import GRDB

/// Records read back from SQLite rows, by column name.
extension TenantRecord {
    init(sqliteRow row: Row) throws {
        self.init(
            id: try row.decode(forColumn: "id"),
            name: try row.decode(forColumn: "name"),
            metadata: try StoredJSON.decode([String: String].self, from: try row.decode(forColumn: "metadata"), column: "tenants.metadata"),
            createdAt: try row.decode(forColumn: "created_at")
        )
    }
}

extension VirtualKeyRecord {
    init(sqliteRow row: Row) throws {
        self.init(
            id: try row.decode(forColumn: "id"),
            hash: try row.decode(forColumn: "hash"),
            tenantID: try row.decode(forColumn: "tenant_id"),
            name: try row.decode(forColumn: "name"),
            allowedModels: try StoredJSON.decode([String].self, from: try row.decode(forColumn: "allowed_models"), column: "virtual_keys.allowed_models"),
            metadata: try StoredJSON.decode([String: String].self, from: try row.decode(forColumn: "metadata"), column: "virtual_keys.metadata"),
            requestsPerMinute: try StoredNumber.checked(row.decode(forColumn: "requests_per_minute"), in: 1..., column: "virtual_keys.requests_per_minute"),
            tokensPerMinute: try StoredNumber.checked(row.decode(forColumn: "tokens_per_minute"), in: 1..., column: "virtual_keys.tokens_per_minute"),
            createdAt: try row.decode(forColumn: "created_at"),
            expiresAt: try row.decode(forColumn: "expires_at"),
            revokedAt: try row.decode(forColumn: "revoked_at")
        )
    }
}

extension BudgetRecord {
    init(sqliteRow row: Row) throws {
        self.init(
            id: try row.decode(forColumn: "id"),
            scope: try StoredEnum.decode(Scope.self, from: try row.decode(forColumn: "scope"), column: "budgets.scope"),
            scopeID: try row.decode(forColumn: "scope_id"),
            model: try row.decode(forColumn: "model"),
            unit: try StoredEnum.decode(Unit.self, from: try row.decode(forColumn: "unit"), column: "budgets.unit"),
            period: try StoredEnum.decode(Period.self, from: try row.decode(forColumn: "period"), column: "budgets.period"),
            limit: try StoredNumber.checked(row.decode(forColumn: "limit_amount"), in: 0..., column: "budgets.limit_amount"),
            createdAt: try row.decode(forColumn: "created_at")
        )
    }
}

extension UsageRow {
    init(sqliteRow row: Row) throws {
        self.init(
            requestID: try row.decode(forColumn: "request_id"),
            finishedAtMillis: try row.decode(forColumn: "finished_at_millis"),
            keyID: try row.decode(forColumn: "key_id"),
            tenantID: try row.decode(forColumn: "tenant_id"),
            model: try row.decode(forColumn: "model"),
            servedModel: try row.decode(forColumn: "served_model"),
            deployment: try row.decode(forColumn: "deployment"),
            endpoint: try row.decode(forColumn: "endpoint"),
            stream: try row.decode(forColumn: "stream"),
            status: try row.decode(forColumn: "status"),
            attempts: try StoredNumber.clamped(row.decode(forColumn: "attempts"), to: 0...),
            promptTokens: try StoredNumber.clamped(row.decode(forColumn: "prompt_tokens"), to: 0...),
            completionTokens: try StoredNumber.clamped(row.decode(forColumn: "completion_tokens"), to: 0...),
            cachedTokens: try StoredNumber.clamped(row.decode(forColumn: "cached_tokens"), to: 0...),
            costMicroUSD: try StoredNumber.clamped(row.decode(forColumn: "cost_micro_usd"), to: 0...),
            latencyMicros: try StoredNumber.clamped(row.decode(forColumn: "latency_micros"), to: 0...),
            timeToFirstTokenMicros: try row.decode(forColumn: "time_to_first_token_micros"),
            errorCode: try row.decode(forColumn: "error_code")
        )
    }
}

extension StoredResponse {
    init(sqliteRow row: Row) throws {
        let createdAt: Int64 = try StoredNumber.checked(row.decode(forColumn: "created_at"), in: 0..., column: "stored_responses.created_at")
        let inputItems: Data = try row.decode(forColumn: "input_items")
        let response: Data = try row.decode(forColumn: "response")
        self.init(
            id: try row.decode(forColumn: "id"),
            tenantID: try row.decode(forColumn: "tenant_id"),
            keyID: try row.decode(forColumn: "key_id"),
            createdAt: createdAt,
            expiresAt: try StoredNumber.checked(row.decode(forColumn: "expires_at"), in: createdAt..., column: "stored_responses.expires_at"),
            previousResponseID: try row.decode(forColumn: "previous_response_id"),
            model: try row.decode(forColumn: "model"),
            inputItems: try StoredResponseJSON.checkedArray(Array(inputItems), column: "stored_responses.input_items"),
            response: try StoredResponseJSON.checkedObject(Array(response), column: "stored_responses.response")
        )
    }
}
