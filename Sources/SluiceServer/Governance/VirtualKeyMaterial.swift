import Crypto

/// Virtual keys: how they are made, identified and hashed. The key itself is shown once, at
/// creation; the store keeps only its SHA-256 hash and its short id.
enum VirtualKeyMaterial {
    static let prefix = "sk-sluice-"
    /// Random characters after the prefix: 32 of 62, about 190 bits.
    static let randomLength = 32
    /// Characters of the random part that the id keeps.
    static let idLength = 8

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    /// A new key from the system's cryptographic random source.
    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let random = (0..<self.randomLength).map { _ in self.alphabet[Int.random(in: 0..<self.alphabet.count, using: &generator)] }
        return self.prefix + String(decoding: random, as: UTF8.self)
    }

    /// Whether `key` has a virtual key's shape (the prefix and 32 letters or digits): only such
    /// keys are looked up in the store.
    static func isWellFormed(_ key: some Collection<UInt8>) -> Bool {
        key.count == self.prefix.utf8.count + self.randomLength && key.starts(with: self.prefix.utf8)
            && key.dropFirst(self.prefix.utf8.count).allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            }
    }

    /// The key's public id: the prefix and the first characters of the random part.
    static func id(of key: String) -> String {
        String(key.prefix(self.prefix.count + self.idLength))
    }

    /// A random id for this gateway process among those sharing a store.
    static func instanceID() -> String {
        var generator = SystemRandomNumberGenerator()
        return "gw-" + String(decoding: (0..<12).map { _ in self.alphabet[Int.random(in: 0..<self.alphabet.count, using: &generator)] }, as: UTF8.self)
    }

    /// SHA-256 of the key, lowercase hex.
    static func hash(_ key: some Sequence<UInt8>) -> String {
        let digest = SHA256.hash(data: Array(key))
        let hex = Array("0123456789abcdef".utf8)
        var output: [UInt8] = []
        output.reserveCapacity(64)
        for byte in digest {
            output.append(hex[Int(byte >> 4)])
            output.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: output, as: UTF8.self)
    }
}
