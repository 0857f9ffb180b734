import Logging
import SluiceConfig
import SluiceCore
import SluiceStore
import Synchronization

/// The budgets this instance enforces, and its accounts of them: per budget and period, the
/// capacity it leased from the store and how much of that in-flight requests have reserved.
///
/// A request reserves its worst-case cost in every budget that applies to it before it is
/// dispatched. Reservations are local (no database round trip) while the instance's lease
/// covers them; when it does not, the instance leases more from the store, which never lets
/// the leases and spend of all instances together pass a budget's limit. So a budget cannot be
/// overshot, under any concurrency or number of instances, unless a request costs more than
/// its worst case.
final class BudgetBook: Sendable {
    /// Capacity this instance holds of one budget period.
    private struct Account {
        var held: Int64 = 0
        var reserved: Int64 = 0
        /// Until when this instance spends from the lease (renewals push it on); see ``leaseLife``.
        var validUntil: UnixTime = 0
        var lastUsed: UnixTime = 0
    }

    private struct State {
        var byKey: [String: [BudgetRecord]] = [:]
        var byTenant: [String: [BudgetRecord]] = [:]
        var accounts: [BudgetPeriodKey: Account] = [:]
    }

    /// One budget's part of a reservation.
    struct Hold: Sendable {
        let key: BudgetPeriodKey
        let unit: BudgetRecord.Unit
        let amount: Int64
    }

    /// A lease asks for at least this share of a budget's limit, so that most reservations stay local.
    static let leaseSlicesPerLimit: Int64 = 20
    /// Capacity unused this long goes back to the store, for other instances.
    static let idleReturnSeconds: Int64 = 5
    /// Attempts to lease enough before a request is refused (others may take what was leased).
    static let leaseAttempts = 3

    let store: any GovernanceStore
    let instanceID: String
    let leaseTTL: Int64
    /// How long after a lease or renewal this instance spends from the lease: a fifth of the time
    /// to live (at least a second) short of it, so that the store surely still counts the lease
    /// (its clock may run ahead of this one's, and the store drops a lease the second its time is
    /// up) and no other instance can have been granted that capacity.
    var leaseLife: Int64 { max(0, self.leaseTTL - max(1, self.leaseTTL / 5)) }
    private let whenStoreUnreachable: BudgetOutagePolicy
    private let health: StoreHealth
    private let logger: Logger
    private let state = Mutex(State())
    private let settlements: @Sendable ([BudgetSettlement]) -> Void

    /// - Parameters:
    ///   - whenStoreUnreachable: whether a request that needs more capacity than the leases hold is
    ///     refused or served unreserved while the store cannot be reached.
    ///   - settlements: where spend goes to be written to the store (with the ledger rows).
    init(
        store: any GovernanceStore, instanceID: String, leaseTTL: Int64, whenStoreUnreachable: BudgetOutagePolicy, health: StoreHealth,
        logger: Logger, settlements: @escaping @Sendable ([BudgetSettlement]) -> Void
    ) {
        self.store = store
        self.instanceID = instanceID
        self.leaseTTL = leaseTTL
        self.whenStoreUnreachable = whenStoreUnreachable
        self.health = health
        self.logger = logger
        self.settlements = settlements
    }

    /// Replaces the budgets enforced (from the store, or after an admin change).
    func load(_ budgets: [BudgetRecord]) {
        var byKey: [String: [BudgetRecord]] = [:]
        var byTenant: [String: [BudgetRecord]] = [:]
        for budget in budgets {
            switch budget.scope {
            case .key: byKey[budget.scopeID, default: []].append(budget)
            case .tenant: byTenant[budget.scopeID, default: []].append(budget)
            }
        }
        let ids = Set(budgets.map(\.id))
        self.state.withLock { state in
            state.byKey = byKey
            state.byTenant = byTenant
            state.accounts = state.accounts.filter { ids.contains($0.key.budgetID) }
        }
    }

    /// Reserves a request's worst case in every budget that applies to the caller and model.
    /// - Returns: nil when no budget applies.
    /// - Throws: ``GatewayError/budgetExceeded(_:resets:retryAfterSeconds:)`` naming the budget;
    ///   ``GatewayError/storeUnavailable`` when more capacity is needed and the store cannot be
    ///   reached, unless budgets are open while it is (then the request is served unreserved and
    ///   its spend recorded when the store is back).
    func reserve(for caller: Caller, model: String, tokens: Int64, microUSD: Int64) async throws(GatewayError) -> BudgetReservation? {
        let now = WallClock.seconds()
        let budgets = self.state.withLock { state in
            (caller.keyID.flatMap { state.byKey[$0] } ?? []) + (caller.tenantID.flatMap { state.byTenant[$0] } ?? [])
        }.filter { $0.model == nil || $0.model == model }
        guard !budgets.isEmpty else { return nil }
        let holds = budgets.map { budget in
            Hold(
                key: BudgetPeriodKey(budgetID: budget.id, periodStart: BudgetPeriod.start(of: budget.period, containing: now)),
                unit: budget.unit, amount: max(0, budget.unit == .tokens ? tokens : microUSD)
            )
        }
        for _ in 0..<Self.leaseAttempts {
            let shortfalls = self.tryReserve(holds, now: now)
            if shortfalls.isEmpty { return BudgetReservation(book: self, holds: holds) }
            for (index, shortfall) in shortfalls {
                let budget = budgets[index]
                let wanted = max(shortfall, budget.limit / Self.leaseSlicesPerLimit)
                let request = BudgetLeaseRequest(key: holds[index].key, instanceID: self.instanceID, amount: wanted, limit: budget.limit, now: now, leaseTTL: self.leaseTTL)
                let granted: Int64
                do {
                    guard self.health.isReachable else { throw GatewayError.storeUnavailable }
                    granted = try await self.health.observing { try await self.store.leaseBudget(request) }
                } catch {
                    guard self.whenStoreUnreachable == .open else { throw GatewayError.storeUnavailable }
                    self.logger.warning("budget store unreachable; serving unreserved", metadata: ["budget": "\(budget.id)"])
                    self.reserveUncovered(holds, now: now)
                    return BudgetReservation(book: self, holds: holds)
                }
                self.state.withLock { state in
                    let held = state.accounts[holds[index].key, default: Account()].held
                    state.accounts[holds[index].key, default: Account()].held = held.addingWithSaturation(granted)
                    state.accounts[holds[index].key]?.validUntil = now + self.leaseLife
                }
                if granted < shortfall { throw Self.exceeded(budget, now: now) }
            }
        }
        throw Self.exceeded(budgets[0], now: now)
    }

    /// Reserves every hold locally if the leases cover them all; otherwise reserves nothing and
    /// returns what each uncovered hold lacks, by index.
    private func tryReserve(_ holds: [Hold], now: UnixTime) -> [(Int, Int64)] {
        self.state.withLock { state in
            var shortfalls: [(Int, Int64)] = []
            for (index, hold) in holds.enumerated() {
                var account = state.accounts[hold.key, default: Account()]
                // A lease the store may no longer count is not spent from.
                if account.validUntil < now { account.held = account.reserved }
                state.accounts[hold.key] = account
                let available = account.held.subtractingWithSaturation(account.reserved)
                if available < hold.amount { shortfalls.append((index, hold.amount.subtractingWithSaturation(available))) }
            }
            guard shortfalls.isEmpty else { return shortfalls }
            for hold in holds {
                state.accounts[hold.key]!.reserved = state.accounts[hold.key]!.reserved.addingWithSaturation(hold.amount)
                state.accounts[hold.key]!.lastUsed = now
            }
            return []
        }
    }

    /// What this instance holds and has reserved of each budget period it has an account for.
    var accounts: [BudgetPeriodKey: (held: Int64, reserved: Int64)] {
        self.state.withLock { state in state.accounts.mapValues { ($0.held, $0.reserved) } }
    }

    /// Reserves the holds whether the leases cover them or not (budgets open while the store is
    /// unreachable), so that what the request spends is settled like any other.
    private func reserveUncovered(_ holds: [Hold], now: UnixTime) {
        self.state.withLock { state in
            for hold in holds {
                state.accounts[hold.key, default: Account()].reserved = state.accounts[hold.key, default: Account()].reserved.addingWithSaturation(hold.amount)
                state.accounts[hold.key]!.lastUsed = now
            }
        }
    }

    /// Ends a reservation: frees what it held and records what the request really spent.
    func settle(_ holds: [Hold], tokens: Int64, microUSD: Int64) {
        var spent: [BudgetSettlement] = []
        self.state.withLock { state in
            for hold in holds {
                let amount = max(0, hold.unit == .tokens ? tokens : microUSD)
                guard var account = state.accounts[hold.key] else { continue }
                account.reserved = account.reserved.subtractingWithSaturation(hold.amount)
                // Spend comes out of the lease; the others' reservations stay covered.
                account.held = max(account.held.subtractingWithSaturation(amount), account.reserved)
                state.accounts[hold.key] = account
                if amount > 0 { spent.append(BudgetSettlement(key: hold.key, instanceID: self.instanceID, amount: amount)) }
            }
        }
        if !spent.isEmpty { self.settlements(spent) }
    }

    /// Keeps the leases alive in the store and gives back capacity left idle.
    func maintain(logger: Logger) async {
        let now = WallClock.seconds()
        do {
            try await self.store.renewLeases(instanceID: self.instanceID, now: now, leaseTTL: self.leaseTTL)
            self.state.withLock { state in
                for key in state.accounts.keys where state.accounts[key]!.validUntil >= now {
                    state.accounts[key]!.validUntil = now + self.leaseLife
                }
            }
        } catch {
            logger.error("could not renew budget leases", metadata: ["error": "\(error)"])
        }
        let idle = self.state.withLock { state in
            var idle: [(BudgetPeriodKey, Int64)] = []
            for (key, account) in state.accounts where account.reserved == 0 && now - account.lastUsed >= Self.idleReturnSeconds {
                if account.held > 0 { idle.append((key, account.held)) }
                state.accounts[key] = nil
            }
            return idle
        }
        for (key, amount) in idle {
            try? await self.store.returnBudget(key, instanceID: self.instanceID, amount: amount)
        }
    }

    private static func exceeded(_ budget: BudgetRecord, now: UnixTime) -> GatewayError {
        let end = BudgetPeriod.end(of: budget.period, containing: now)
        let limit = budget.unit == .tokens ? "\(budget.limit) tokens" : "$\(Self.dollars(budget.limit))"
        let scope = budget.model.map { " for model \($0)" } ?? ""
        let per = budget.period == .total ? "in total" : "per \(budget.period.rawValue)"
        return GatewayError.budgetExceeded(
            "the \(budget.scope.rawValue) \(budget.scopeID) may spend \(limit) \(per)\(scope) (budget \(budget.id))",
            resets: end.map(BudgetPeriod.iso8601), retryAfterSeconds: end.map { Int($0.subtractingWithSaturation(now)) }
        )
    }

    /// Micro-dollars as dollars with up to six decimals.
    static func dollars(_ micro: Int64) -> String {
        let digits = String(micro.magnitude % 1_000_000)
        var fraction = String(repeating: "0", count: 6 - digits.count) + digits
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return (micro < 0 ? "-" : "") + "\(micro.magnitude / 1_000_000)" + (fraction.isEmpty ? "" : "." + fraction)
    }
}
