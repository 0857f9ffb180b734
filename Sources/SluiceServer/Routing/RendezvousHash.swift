/// Highest-random-weight (rendezvous) hashing: for a key, every deployment gets a score from
/// hashing the key with the deployment's index, and the highest score wins. A key keeps its
/// deployment as long as that deployment is there; when it is not, only its keys move.
package enum RendezvousHash {
    /// FNV-1a over `bytes`, stable across processes.
    package static func key(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }

    /// `deployments` by descending score for `key`.
    static func order(_ deployments: [Deployment], key: UInt64) -> [Deployment] {
        deployments.sorted { self.score(key, $0.index) > self.score(key, $1.index) }
    }

    /// A 64-bit mix (splitmix64's finalizer) of the key and the index.
    static func score(_ key: UInt64, _ index: Int) -> UInt64 {
        var value = key ^ (UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15)
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
