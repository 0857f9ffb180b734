import SluiceStore
import Testing

extension StoreContractTests {
    /// 1 ms per unit with 3 ms of burst tolerance: three units at once, then one per millisecond.
    private static func take(_ cell: String = "key:sk-sluice-00000001:rpm", cost: Int64 = 1, at nowMicros: Int64) -> RateTakeRequest {
        RateTakeRequest(cell: cell, cost: cost, emissionIntervalMicros: 1_000, burstToleranceMicros: 3_000, nowMicros: nowMicros)
    }

    @Test(arguments: StoreBackend.configured)
    func gcraAllowsTheBurstThenOneUnitPerInterval(backend: StoreBackend) async throws {
        try await backend.withStore { store throws in
            let start: Int64 = 1_700_000_000_000_000
            for _ in 0..<3 { #expect(try await store.takeRate(Self.take(at: start)) == .allowed) }
            #expect(try await store.takeRate(Self.take(at: start)) == .denied(retryAfterMicros: 1_000))
            #expect(try await store.takeRate(Self.take(at: start + 400)) == .denied(retryAfterMicros: 600))
            #expect(try await store.takeRate(Self.take(at: start + 1_000)) == .allowed)
            #expect(try await store.takeRate(Self.take(at: start + 1_000)) == .denied(retryAfterMicros: 1_000))
            // A bigger take waits for more room; a denied take takes nothing.
            #expect(try await store.takeRate(Self.take(cost: 2, at: start + 2_000)) == .denied(retryAfterMicros: 1_000))
            #expect(try await store.takeRate(Self.take(cost: 2, at: start + 3_000)) == .allowed)
            // After a long pause the cell is full again, and other cells were never touched.
            for _ in 0..<3 { #expect(try await store.takeRate(Self.take(at: start + 60_000_000)) == .allowed) }
            #expect(try await store.takeRate(Self.take(at: start + 60_000_000)) == .denied(retryAfterMicros: 1_000))
            #expect(try await store.takeRate(Self.take("key:other:rpm", cost: 3, at: start)) == .allowed)
            #expect(try await store.takeRate(Self.take("key:other:rpm", cost: 4, at: start + 10_000_000)) == .denied(retryAfterMicros: 1_000))
        }
    }

    @Test(arguments: StoreBackend.configured)
    func concurrentTakesNeverExceedBurstPlusElapsedIntervals(backend: StoreBackend) async throws {
        try await backend.withStores(count: 2) { stores throws in
            let start: Int64 = 1_700_000_000_000_000
            let elapsedMicros: Int64 = 20_000
            let allowed = try await withThrowingTaskGroup(of: Int.self) { group in
                for call in 0..<200 {
                    let store = stores[call % stores.count]
                    let now = start + Int64(call) * elapsedMicros / 200
                    group.addTask { try await store.takeRate(Self.take(at: now)) == .allowed ? 1 : 0 }
                }
                return try await group.reduce(0, +)
            }
            // Burst 3 plus one per millisecond of the 20 ms the takes span (their times arrive out of order).
            #expect(allowed <= 3 + 20)
            #expect(allowed >= 3)
        }
    }
}
