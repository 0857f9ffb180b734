import PostgresNIO

/// Records read back from PostgreSQL rows. Each list of columns is the order the decoder expects.
extension TenantRecord {
    static let postgresColumns = "id, name, metadata, created_at"

    init(postgresRow row: PostgresRow) throws {
        let (id, name, metadata, createdAt) = try row.decode((String, String, String, Int64).self)
        self.init(
            id: id, name: name, metadata: try StoredJSON.decode([String: String].self, from: metadata, column: "tenants.metadata"),
            createdAt: createdAt
        )
    }
}

extension VirtualKeyRecord {
    static let postgresColumns = """
        id, hash, tenant_id, name, allowed_models, metadata, requests_per_minute, tokens_per_minute, created_at, expires_at, revoked_at
        """

    init(postgresRow row: PostgresRow) throws {
        let (id, hash, tenantID, name, allowedModels, metadata, requestsPerMinute, tokensPerMinute, createdAt, expiresAt, revokedAt) =
            try row.decode((String, String, String?, String, String, String, Int?, Int?, Int64, Int64?, Int64?).self)
        self.init(
            id: id, hash: hash, tenantID: tenantID, name: name,
            allowedModels: try StoredJSON.decode([String].self, from: allowedModels, column: "virtual_keys.allowed_models"),
            metadata: try StoredJSON.decode([String: String].self, from: metadata, column: "virtual_keys.metadata"),
            requestsPerMinute: try StoredNumber.checked(requestsPerMinute, in: 1..., column: "virtual_keys.requests_per_minute"),
            tokensPerMinute: try StoredNumber.checked(tokensPerMinute, in: 1..., column: "virtual_keys.tokens_per_minute"),
            createdAt: createdAt, expiresAt: expiresAt,
            revokedAt: revokedAt
        )
    }
}

extension BudgetRecord {
    static let postgresColumns = "id, scope, scope_id, model, unit, period, limit_amount, created_at"

    init(postgresRow row: PostgresRow) throws {
        let (id, scope, scopeID, model, unit, period, limit, createdAt) =
            try row.decode((String, String, String, String?, String, String, Int64, Int64).self)
        self.init(
            id: id, scope: try StoredEnum.decode(Scope.self, from: scope, column: "budgets.scope"), scopeID: scopeID, model: model,
            unit: try StoredEnum.decode(Unit.self, from: unit, column: "budgets.unit"),
            period: try StoredEnum.decode(Period.self, from: period, column: "budgets.period"),
            limit: try StoredNumber.checked(limit, in: 0..., column: "budgets.limit_amount"), createdAt: createdAt
        )
    }
}

extension UsageRow {
    static let postgresColumns = """
        request_id, finished_at_millis, key_id, tenant_id, model, served_model, deployment, endpoint, stream, status, attempts, \
        prompt_tokens, completion_tokens, cached_tokens, cost_micro_usd, latency_micros, time_to_first_token_micros, error_code
        """

    init(postgresRow row: PostgresRow) throws {
        let (
            requestID, finishedAtMillis, keyID, tenantID, model, servedModel, deployment, endpoint, stream, status, attempts,
            promptTokens, completionTokens, cachedTokens, costMicroUSD, latencyMicros, timeToFirstTokenMicros, errorCode
        ) = try row.decode(
            (String, Int64, String?, String?, String, String?, String?, String, Bool, Int, Int, Int, Int, Int, Int64, Int64, Int64?, String?).self
        )
        self.init(
            requestID: requestID, finishedAtMillis: finishedAtMillis, keyID: keyID, tenantID: tenantID, model: model,
            servedModel: servedModel, deployment: deployment, endpoint: endpoint, stream: stream, status: status,
            attempts: StoredNumber.clamped(attempts, to: 0...),
            promptTokens: StoredNumber.clamped(promptTokens, to: 0...),
            completionTokens: StoredNumber.clamped(completionTokens, to: 0...),
            cachedTokens: StoredNumber.clamped(cachedTokens, to: 0...),
            costMicroUSD: StoredNumber.clamped(costMicroUSD, to: 0...),
            latencyMicros: StoredNumber.clamped(latencyMicros, to: 0...),
            timeToFirstTokenMicros: timeToFirstTokenMicros, errorCode: errorCode
        )
    }

}

extension StoredResponse {
    static let postgresColumns = "id, tenant_id, key_id, created_at, expires_at, previous_response_id, model, input_items, response"

    init(postgresRow row: PostgresRow) throws {
        let (id, tenantID, keyID, createdAt, expiresAt, previousResponseID, model, inputItems, response) =
            try row.decode((String, String?, String?, Int64, Int64, String?, String, ByteBuffer, ByteBuffer).self)
        let created = try StoredNumber.checked(createdAt, in: 0..., column: "stored_responses.created_at")
        self.init(
            id: id, tenantID: tenantID, keyID: keyID, createdAt: created,
            expiresAt: try StoredNumber.checked(expiresAt, in: created..., column: "stored_responses.expires_at"),
            previousResponseID: previousResponseID, model: model,
            inputItems: try StoredResponseJSON.checkedArray(Array(inputItems.readableBytesView), column: "stored_responses.input_items"),
            response: try StoredResponseJSON.checkedObject(Array(response.readableBytesView), column: "stored_responses.response")
        )
    }
}
