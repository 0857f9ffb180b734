import Crypto

/// A key kept as its SHA-256 digest, for comparison in constant time (a digest's `==` is).
/// Digests have one length whatever the keys' lengths, so no length difference can be folded away
/// (as a key followed by NUL bytes once was) or show in the time taken.
struct KeyDigest: Sendable, Equatable {
    private let digest: SHA256.Digest

    init(_ key: some Sequence<UInt8>) {
        self.digest = SHA256.hash(data: Array(key))
    }

    /// Whether the key is one of `keys`. Every key is compared, so the time taken does not tell
    /// which matched.
    func isAny(of keys: [KeyDigest]) -> Bool {
        var matched = false
        for key in keys where key == self { matched = true }
        return matched
    }
}
