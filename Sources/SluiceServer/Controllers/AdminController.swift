import Foundation
import Hummingbird
import SluiceCore
import SluiceStore

/// The admin API under `/admin/` (admin key only): tenants, keys, budgets, usage and spend, the
/// deployments' health, and config reloads. Its bodies are JSON with snake_case keys.
struct AdminController {
    /// Admin bodies are small JSON objects (a tenant, a key, a budget).
    static let maxBodyBytes = 64 << 10

    let governance: Governance?
    let active: ActiveRuntime
    let reloader: ConfigReloader

    func register(on group: RouterGroup<SluiceRequestContext>) {
        group.get("deployments") { _, _ in
            SystemController.json(#"{"object":"list","data":\#(self.active.current.system.deploymentList())}"#)
        }
        group.post("reload") { _, _ in
            let outcome = try self.reloader.reload()
            return try Self.encode(AdminViews.Reload(status: "reloaded", models: outcome.models, restartRequired: outcome.restartRequired))
        }
        group.post("tenants") { request, context in
            let body = try await Self.decode(TenantRequest.self, from: request, context: context)
            let tenant = try await self.admin().createTenant(id: body.id, name: body.name, metadata: body.metadata)
            return try Self.encode(tenant, status: .created)
        }
        group.get("tenants") { _, _ in
            try Self.encode(AdminViews.List(data: try await self.admin().store.tenants()))
        }
        group.post("keys") { request, context in
            let body = try await Self.decode(GovernanceAdmin.NewKey.self, from: request, context: context)
            let (key, record) = try await self.admin().createKey(body)
            self.governance?.keys.remember(record)
            return try Self.encode(AdminViews.Key(record, key: key), status: .created)
        }
        group.get("keys") { request, _ in
            let keys = try await self.admin().store.keys(tenantID: request.uri.queryParameters.get("tenant_id"))
            return try Self.encode(AdminViews.List(data: keys.map { AdminViews.Key($0) }))
        }
        group.delete("keys/:id") { _, context in
            let key = try await self.admin().revokeKey(id: try context.parameters.require("id"))
            self.governance?.keys.remember(key)
            return try Self.encode(AdminViews.Key(key))
        }
        group.post("budgets") { request, context in
            let body = try await Self.decode(GovernanceAdmin.NewBudget.self, from: request, context: context)
            let budget = try await self.admin().createBudget(body)
            await self.reloadBudgets()
            return try Self.encode(AdminViews.Budget(budget), status: .created)
        }
        group.get("budgets") { _, _ in
            let states = try await self.admin().budgetStates(leaseTTL: self.leaseTTL)
            return try Self.encode(AdminViews.List(data: states.map { AdminViews.Budget($0.budget, state: $0) }))
        }
        group.delete("budgets/:id") { _, context in
            let id = try context.parameters.require("id")
            guard try await self.admin().store.deleteBudget(id: id) else { throw GatewayError.notFound("The budget \(id)") }
            await self.reloadBudgets()
            return Response(status: .noContent)
        }
        group.get("usage") { request, _ in
            let rows = try await self.admin().store.usage(try Self.usageQuery(request))
            return try Self.encode(AdminViews.List(data: rows.map(AdminViews.Usage.init)))
        }
        group.get("spend") { request, _ in
            let rows = try await self.admin().store.spend(try Self.usageQuery(request))
            return try Self.encode(AdminViews.List(data: rows.map(AdminViews.Spend.init)))
        }
    }

    /// `GET /v1/usage`: the calling key's recent requests.
    func usage(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        guard let keyID = context.caller.keyID else {
            throw GatewayError.invalidRequest("Usage is kept per virtual key; this key is a static one from the config.")
        }
        var query = try Self.usageQuery(request)
        query.keyID = keyID
        query.tenantID = nil
        await self.governance?.flushLedger()
        let rows = try await self.admin().store.usage(query)
        return try Self.encode(AdminViews.List(data: rows.map(AdminViews.Usage.init)))
    }

    private struct TenantRequest: Decodable {
        var id: String
        var name: String?
        var metadata: [String: String]?
    }

    private var leaseTTL: Int64 { Int64(self.governance?.settings.leaseTTL.components.seconds ?? 30) }

    private func admin() throws -> GovernanceAdmin {
        guard let governance else {
            throw GatewayError(status: 404, type: "invalid_request_error", code: "no_store", message: "This gateway has no governance store configured (`store` in the config).")
        }
        return GovernanceAdmin(store: governance.store)
    }

    private func reloadBudgets() async {
        try? await self.governance?.reloadBudgets()
    }

    /// Filters from the query string: `key_id`, `tenant_id`, `model`, `from` and `to` (a
    /// `YYYY-MM-DD` day or Unix seconds; `to` exclusive), `limit` (at most 1000). Seconds past
    /// what milliseconds can hold mean the far past or future: they saturate.
    private static func usageQuery(_ request: Request) throws -> UsageQuery {
        let parameters = request.uri.queryParameters
        func time(_ name: String) throws -> Int64? {
            guard let text = parameters.get(name) else { return nil }
            if let seconds = Int64(text) { return seconds.multipliedWithSaturation(by: 1000) }
            if let day = BudgetPeriod.start(ofDay: text) { return day * 1000 }
            throw GatewayError.invalidRequest("'\(name)' must be a date (YYYY-MM-DD) or Unix seconds", param: name)
        }
        var limit = 100
        if let text = parameters.get("limit") {
            guard let value = Int(text), (1...1000).contains(value) else { throw GatewayError.invalidRequest("'limit' must be 1 to 1000", param: "limit") }
            limit = value
        }
        return UsageQuery(
            keyID: parameters.get("key_id"), tenantID: parameters.get("tenant_id"), model: parameters.get("model"),
            fromMillis: try time("from"), untilMillis: try time("to"), limit: limit
        )
    }

    private static func decode<Value: Decodable>(_ type: Value.Type, from request: Request, context: SluiceRequestContext) async throws -> Value {
        var request = request
        let body = try await request.collectBody(limit: Self.maxBodyBytes)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(type, from: Data(buffer: body))
        } catch let error as DecodingError {
            throw GatewayError.invalidRequest("The request body is not valid: \(Self.describe(error))")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "'\(key.stringValue)' is required"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            context.codingPath.isEmpty ? context.debugDescription : "'\(context.codingPath.map(\.stringValue).joined(separator: "."))': \(context.debugDescription)"
        @unknown default: "\(error)"
        }
    }

    private static func encode(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
