/// A small deterministic random source (SplitMix64), so every strategy sees the same workload.
package struct SplitMix: RandomNumberGenerator, Sendable {
    var state: UInt64

    package init(seed: UInt64) {
        self.state = seed
    }

    package mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var value = self.state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }

    /// Uniform in [0, 1).
    package mutating func unit() -> Double {
        Double(self.next() >> 11) / Double(1 << 53)
    }
}
