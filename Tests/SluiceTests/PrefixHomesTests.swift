import Testing

@testable import SluiceServer

@Suite("Prefix homes")
struct PrefixHomesTests {
    @Test func noDeploymentIsHomeToMoreThanItsBoundedShareOfKeys() {
        var homes = PrefixHomes(capacity: 4096, balance: 1.25)
        var counts = [0, 0, 0]
        var key: UInt64 = 1
        for _ in 0..<300 {
            key = key &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            counts[homes.locate(key, ranked: Self.ranked(key)).home] += 1
        }
        #expect(counts.max()! <= 125, "\(counts)")
    }

    @Test func aKeyKeepsItsHomeAndItsWarmDeploymentsWhileTheyAreAvailable() {
        var homes = PrefixHomes(capacity: 4096, balance: 1.25)
        let (home, warm) = homes.locate(7, ranked: [2, 0, 1])
        #expect(home == 2 && warm.isEmpty)
        homes.send(7, to: 0)
        #expect(homes.locate(7, ranked: [2, 0, 1]) == (2, [0]))
        #expect(homes.locate(7, ranked: [0, 1]).home == 0, "an unavailable home is replaced")
        // Thirty-two other requests later the deployment has probably evicted the prefix.
        for other in UInt64(100)..<132 { homes.send(other, to: 0) }
        #expect(homes.locate(7, ranked: [0, 1]).warm.isEmpty)
    }

    /// A fixed order per key, as rendezvous hashing gives.
    private static func ranked(_ key: UInt64) -> [Int] {
        [[0, 1, 2], [1, 2, 0], [2, 0, 1], [0, 2, 1], [1, 0, 2], [2, 1, 0]][Int(key >> 32 % 6)]
    }
}
