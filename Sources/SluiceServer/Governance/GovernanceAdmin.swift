import SluiceCore
import SluiceStore

/// What an operator can do to governance state: the admin API and the `sluice keys`,
/// `sluice tenants` and `sluice budgets` commands both go through here.
public struct GovernanceAdmin: Sendable {
    public let store: any GovernanceStore

    public init(store: any GovernanceStore) {
        self.store = store
    }

    /// A new virtual key as asked for by an operator.
    public struct NewKey: Sendable, Decodable {
        public var name: String
        public var tenantId: String?
        public var allowedModels: [String]?
        public var metadata: [String: String]?
        /// Unix seconds.
        public var expiresAt: Int64?
        public var requestsPerMinute: Int?
        public var tokensPerMinute: Int?

        public init(name: String, tenantId: String? = nil, allowedModels: [String]? = nil, expiresAt: Int64? = nil) {
            self.name = name
            self.tenantId = tenantId
            self.allowedModels = allowedModels
            self.expiresAt = expiresAt
        }
    }

    /// A new budget as asked for by an operator: `limit` in tokens, or in dollars for `usd`.
    public struct NewBudget: Sendable, Decodable {
        public var scope: BudgetRecord.Scope
        public var scopeId: String
        public var model: String?
        /// `tokens` or `usd`.
        public var unit: String
        public var period: BudgetRecord.Period
        public var limit: Double

        public init(scope: BudgetRecord.Scope, scopeId: String, model: String? = nil, unit: String, period: BudgetRecord.Period, limit: Double) {
            self.scope = scope
            self.scopeId = scopeId
            self.model = model
            self.unit = unit
            self.period = period
            self.limit = limit
        }
    }

    /// A budget with its current period's figures.
    public struct BudgetState: Sendable {
        public var budget: BudgetRecord
        public var periodStart: UnixTime
        public var resetsAt: UnixTime?
        public var usage: BudgetUsage
    }

    public func createTenant(id: String, name: String?, metadata: [String: String]?) async throws -> TenantRecord {
        guard Self.isIdentifier(id) else {
            throw GatewayError.invalidRequest("'id' must be 1 to 64 letters, digits, '-', '_' or '.'", param: "id")
        }
        let tenant = TenantRecord(id: id, name: name ?? id, metadata: metadata ?? [:], createdAt: WallClock.seconds())
        try await self.mapped { try await self.store.createTenant(tenant) }
        return tenant
    }

    /// Creates a key; the key itself is returned here and never again.
    public func createKey(_ request: NewKey) async throws -> (key: String, record: VirtualKeyRecord) {
        guard !request.name.isEmpty, request.name.utf8.count <= 128 else {
            throw GatewayError.invalidRequest("'name' must be 1 to 128 bytes", param: "name")
        }
        for (value, param) in [(request.requestsPerMinute, "requests_per_minute"), (request.tokensPerMinute, "tokens_per_minute")] {
            if let value, value < 1 { throw GatewayError.invalidRequest("'\(param)' must be at least 1", param: param) }
        }
        let now = WallClock.seconds()
        if let expiry = request.expiresAt, expiry <= now {
            throw GatewayError.invalidRequest("'expires_at' must be in the future", param: "expires_at")
        }
        let key = VirtualKeyMaterial.generate()
        let record = VirtualKeyRecord(
            id: VirtualKeyMaterial.id(of: key), hash: VirtualKeyMaterial.hash(key.utf8), tenantID: request.tenantId, name: request.name,
            allowedModels: request.allowedModels ?? [], metadata: request.metadata ?? [:], requestsPerMinute: request.requestsPerMinute,
            tokensPerMinute: request.tokensPerMinute, createdAt: now, expiresAt: request.expiresAt
        )
        try await self.mapped { try await self.store.createKey(record) }
        return (key, record)
    }

    public func revokeKey(id: String) async throws -> VirtualKeyRecord {
        let revoked = try await self.mapped { try await self.store.revokeKey(id: id, at: WallClock.seconds()) }
        guard revoked, let key = try await self.store.key(id: id) else { throw GatewayError.notFound("The key \(id)") }
        return key
    }

    public func createBudget(_ request: NewBudget) async throws -> BudgetRecord {
        let unit: BudgetRecord.Unit
        switch request.unit {
        case "tokens": unit = .tokens
        case "usd": unit = .microUSD
        default: throw GatewayError.invalidRequest("'unit' must be 'tokens' or 'usd'", param: "unit")
        }
        guard request.limit.isFinite, request.limit > 0, request.limit < 1e12 else {
            throw GatewayError.invalidRequest("'limit' must be a positive number", param: "limit")
        }
        let exists: Bool
        switch request.scope {
        case .key: exists = try await self.store.key(id: request.scopeId) != nil
        case .tenant: exists = try await self.store.tenant(id: request.scopeId) != nil
        }
        guard exists else { throw GatewayError.notFound("The \(request.scope.rawValue) \(request.scopeId)") }
        let limit = unit == .tokens ? Int64(request.limit.rounded(.down)) : Int64((request.limit * 1_000_000).rounded(.down))
        let budget = BudgetRecord(
            id: "bud_" + VirtualKeyMaterial.instanceID().dropFirst(3), scope: request.scope, scopeID: request.scopeId, model: request.model,
            unit: unit, period: request.period, limit: limit, createdAt: WallClock.seconds()
        )
        try await self.mapped { try await self.store.createBudget(budget) }
        return budget
    }

    public func budgetStates(leaseTTL: Int64) async throws -> [BudgetState] {
        let now = WallClock.seconds()
        var states: [BudgetState] = []
        for budget in try await self.store.budgets() {
            let start = BudgetPeriod.start(of: budget.period, containing: now)
            let usage = try await self.store.budgetUsage(BudgetPeriodKey(budgetID: budget.id, periodStart: start), now: now, leaseTTL: leaseTTL)
            states.append(BudgetState(budget: budget, periodStart: start, resetsAt: BudgetPeriod.end(of: budget.period, containing: now), usage: usage))
        }
        return states
    }

    /// Runs a store operation, turning its conflicts and missing records into the API's errors.
    private func mapped<Value>(_ operation: () async throws -> Value) async throws -> Value {
        do {
            return try await operation()
        } catch let error as StoreError {
            switch error {
            case .conflict(let what): throw GatewayError.conflict(what)
            case .notFound(let what): throw GatewayError.notFound(what)
            case .unavailable: throw GatewayError.storeUnavailable
            }
        }
    }

    /// The hash the store keeps of a key (SHA-256, lowercase hex).
    public static func hash(ofKey key: String) -> String {
        VirtualKeyMaterial.hash(key.utf8)
    }

    static func isIdentifier(_ value: String) -> Bool {
        (1...64).contains(value.utf8.count)
            && value.utf8.allSatisfy { $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }
}

extension UInt8 {
    fileprivate var isASCIIAlphanumeric: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
    }
}
