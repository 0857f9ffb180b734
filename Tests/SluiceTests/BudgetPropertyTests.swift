import Foundation
import Logging
@testable import SluiceRoutingSimulation
@testable import SluiceServer
@testable import SluiceStore
import Synchronization
import Testing

/// Budget reservations under random interleavings of reserve, settle, release (a reservation
/// dropped unsettled), lease renewal and lease expiry, by several gateway instances sharing one
/// store: the store never lets spend pass the limit, spend is exactly what was settled, and
/// every account ends with nothing reserved and nothing negative. The seed is printed; set
/// `SLUICE_PROPERTY_SEED` to replay one.
@Suite("Budget reservations under any interleaving")
struct BudgetPropertyTests {
    static let limit: Int64 = 20_000

    @Test(arguments: 0..<3)
    func spendStaysWithinTheCapAndEveryReservationEnds(round: Int) async throws {
        let seed = ProcessInfo.processInfo.environment["SLUICE_PROPERTY_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0...UInt64.max)
        print("BudgetPropertyTests round \(round) seed \(seed)")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-property-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try SQLiteStore(path: path)
        try await store.migrate()
        let budget = BudgetRecord(id: "b", scope: .key, scopeID: "k", unit: .tokens, period: .total, limit: Self.limit, createdAt: 0)
        try await store.createBudget(budget)
        let period = BudgetPeriodKey(budgetID: "b", periodStart: 0)

        let settled = Settled()
        let logger = Logger(label: "property")
        // The shortest lease the config allows, so that leases lapse while the run goes on.
        let books = (0..<3).map { index in
            BudgetBook(
                store: store, instanceID: "gw-\(index)", leaseTTL: 3, whenStoreUnreachable: .closed, health: StoreHealth(logger: logger), logger: logger
            ) { settlements in settled.pending.withLock { $0 += settlements } }
        }
        for book in books { book.load([budget]) }
        let caller = Caller(keyID: "k", tenantID: nil, allowedModels: [], requestsPerMinute: nil, tokensPerMinute: nil)
        let writeSettlements: @Sendable () async throws -> Void = {
            let batch = settled.pending.withLock { pending in defer { pending = [] }; return pending }
            try await store.record(LedgerBatch(id: LedgerBatch.newID(), rows: [], settlements: batch))
        }

        // Beside the requests, what each instance's services do: renew leases every third of
        // their time to live, and write settlements every flush interval. The last instance stops
        // renewing after two seconds (as one cut off from the store would), so its leases lapse.
        let background = Task {
            var ticks = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(50))
                try? await writeSettlements()
                ticks += 1
                guard ticks % 20 == 0 else { continue }
                for book in ticks <= 40 ? books : Array(books.dropLast()) { await book.maintain(logger: logger) }
            }
        }
        defer { background.cancel() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var random = SplitMix(seed: seed &+ UInt64(worker))
                    for _ in 0..<40 {
                        let book = books[Int(random.next() % 3)]
                        let worstCase = Int64(random.next() % 3_000) + 1
                        if let reservation = try? await book.reserve(for: caller, model: "m", tokens: worstCase, microUSD: 0) {
                            if random.next() % 3 == 0 { try await Task.sleep(for: .milliseconds(Int(random.next() % 20))) }
                            if random.next() % 4 != 0 {
                                let spent = Int64(random.next() % UInt64(worstCase + 1))
                                reservation.settle(tokens: spent, microUSD: 0)
                                settled.total.add(spent, ordering: .relaxed)
                            }  // else dropped unsettled: released with nothing spent
                        }
                        switch random.next() % 10 {
                        case 0: await book.maintain(logger: logger)
                        case 1: try await writeSettlements()
                        case 2: try await Task.sleep(for: .milliseconds(500 + Int(random.next() % 2_500)))  // leases may lapse meanwhile
                        default: break
                        }
                        let usage = try await store.budgetUsage(period, now: WallClock.seconds(), leaseTTL: 3)
                        #expect(usage.spent >= 0 && usage.leased >= 0 && usage.spent <= Self.limit, "seed \(seed): \(usage)")
                    }
                }
            }
            try await group.waitForAll()
        }
        try await writeSettlements()

        let usage = try await store.budgetUsage(period, now: WallClock.seconds(), leaseTTL: 3)
        #expect(usage.spent == settled.total.load(ordering: .relaxed), "seed \(seed): the store's spend is what was settled")
        #expect(usage.spent <= Self.limit, "seed \(seed)")
        for book in books {
            for (key, account) in book.accounts {
                #expect(account.reserved == 0 && account.held >= 0, "seed \(seed): \(key) ended with \(account)")
            }
        }
    }
}

/// What the books settled: settlements waiting to reach the store in a batch (as the ledger
/// writer sends them), and the spend settled in all.
private final class Settled: Sendable {
    let pending = Mutex<[BudgetSettlement]>([])
    let total = Atomic<Int64>(0)
}
