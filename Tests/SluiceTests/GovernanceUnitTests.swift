import Foundation
import Logging
import Testing

@testable import SluiceServer
@testable import SluiceStore

@Suite("Governance parts: GCRA, budget periods, shared rate limits, budget leases")
struct GovernanceUnitTests {
    @Test func gcraAllowsAWindowsWorthAtOnceThenOnePerInterval() {
        let rule = GCRA(limit: 60)  // one a second
        var tat: Int64 = 0
        let now: Int64 = 1_000_000_000
        for index in 0..<60 {
            let decision = rule.take(1, tat: &tat, now: now)
            #expect(decision.allowed)
            #expect(decision.remaining == Int64(59 - index))
        }
        let refused = rule.take(1, tat: &tat, now: now)
        #expect(!refused.allowed)
        #expect(refused.wait == 1_000_000, "one interval until the next fits")
        #expect(rule.take(1, tat: &tat, now: now + 1_000_000).allowed)
        #expect(!rule.take(2, tat: &tat, now: now + 1_000_000).allowed, "two do not fit yet")

        // A trillion tokens a minute: each take counts a microsecond at least, never a refusal at this pace.
        let huge = GCRA(limit: 1_000_000_000_000)
        var hugeTAT: Int64 = 0
        for step in 0..<10_000 { #expect(huge.take(320, tat: &hugeTAT, now: now + Int64(step) * 10).allowed) }
    }

    @Test func budgetPeriodsFollowTheUTCCalendar() {
        // 2024-02-29T13:14:15Z, a leap day.
        let leapDay: Int64 = 1_709_212_455
        #expect(BudgetPeriod.start(of: .day, containing: leapDay) == 1_709_164_800)
        #expect(BudgetPeriod.start(of: .month, containing: leapDay) == 1_706_745_600)  // 2024-02-01
        #expect(BudgetPeriod.end(of: .month, containing: leapDay) == 1_709_251_200)  // 2024-03-01
        #expect(BudgetPeriod.end(of: .month, containing: 1_735_603_200) == 1_735_689_600)  // 2024-12-31 -> 2025-01-01
        #expect(BudgetPeriod.start(of: .total, containing: leapDay) == 0)
        #expect(BudgetPeriod.end(of: .total, containing: leapDay) == nil)
        #expect(BudgetPeriod.iso8601(leapDay) == "2024-02-29T13:14:15Z")
        #expect(BudgetPeriod.start(ofDay: "2024-03-01") == 1_709_251_200)
        #expect(BudgetPeriod.start(ofDay: "2024-13-01") == nil)
        #expect(BudgetBook.dollars(1_500_000) == "1.5")
        #expect(BudgetBook.dollars(950) == "0.00095")
    }

    private func withStore(_ body: (SQLiteStore) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-unit-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try SQLiteStore(path: path)
        try await store.migrate()
        try await body(store)
    }

    /// Two instances taking slices of one shared limit: together they admit at most the limit
    /// plus one slice each, and at least the limit minus one slice each.
    @Test func sharedRateLimitsHoldAcrossInstancesWithinOneSliceEach() async throws {
        try await self.withStore { store in
            let limiters = [RateLimiter(sharedStore: store, logger: Logger(label: "a")), RateLimiter(sharedStore: store, logger: Logger(label: "b"))]
            let limit = 200
            let slice = limit / RateLimiter.slicesPerLimit
            let admitted = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<600 {
                    group.addTask { await limiters[index % 2].take("key:k:rpm", cost: 1, limit: limit).allowed }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(admitted <= limit + 2 * slice)
            #expect(admitted >= limit - 2 * slice)
        }
    }

    @Test func aReservationIsReleasedWhenDroppedAndSpendIsSettledOnce() async throws {
        try await self.withStore { store in
            let settled = SettlementLog()
            let book = BudgetBook(
                store: store, instanceID: "gw-test", leaseTTL: 30, whenStoreUnreachable: .closed, health: StoreHealth(logger: Logger(label: "test")),
                logger: Logger(label: "test")
            ) { settled.append($0) }
            let budget = BudgetRecord(id: "b1", scope: .key, scopeID: "k1", unit: .tokens, period: .total, limit: 1000, createdAt: 0)
            try await store.createBudget(budget)
            book.load([budget])
            let caller = Caller(keyID: "k1", tenantID: nil, allowedModels: [], requestsPerMinute: nil, tokensPerMinute: nil)

            var reservation = try await book.reserve(for: caller, model: "m", tokens: 600, microUSD: 0)
            #expect(reservation != nil)
            await #expect(throws: (any Error).self) { try await book.reserve(for: caller, model: "m", tokens: 600, microUSD: 0) }
            reservation = nil  // dropped unsettled: released, nothing spent
            let again = try #require(try await book.reserve(for: caller, model: "m", tokens: 600, microUSD: 0))
            again.settle(tokens: 250, microUSD: 0)
            again.settle(tokens: 250, microUSD: 0)
            #expect(settled.all.map(\.amount) == [250], "settled once")
            try await store.record(LedgerBatch(id: LedgerBatch.newID(), rows: [], settlements: settled.all))
            // 750 left: a worst case of 800 no longer fits, 700 does.
            await #expect(throws: (any Error).self) { try await book.reserve(for: caller, model: "m", tokens: 800, microUSD: 0) }
            #expect(try await book.reserve(for: caller, model: "m", tokens: 700, microUSD: 0) != nil)
            _ = reservation
        }
    }
}

private final class SettlementLog: @unchecked Sendable {
    private let lock = NSLock()
    private var settlements: [BudgetSettlement] = []

    func append(_ more: [BudgetSettlement]) {
        self.lock.withLock { self.settlements += more }
    }

    var all: [BudgetSettlement] { self.lock.withLock { self.settlements } }
}
