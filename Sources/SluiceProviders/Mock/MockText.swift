/// Deterministic filler text for the mock: the same prompt always gets the same answer.
enum MockText {
    static let words = [
        "the", "river", "carries", "light", "through", "a", "narrow", "gate", "and", "every", "stone", "remembers", "water",
        "that", "passed", "before", "quietly", "measured", "flow", "keeps", "fields", "green", "while", "engineers", "watch",
        "gauges", "rise", "slowly", "under", "morning", "clouds", "so", "nothing", "floods", "downstream", "again",
    ]

    /// FNV-1a over `bytes`.
    static func seed(of bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return hash
    }

    static func tokens(count: Int, seed: UInt64) -> [String] {
        (0..<count).map { index in
            let word = self.words[Int((seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15) >> 33) % self.words.count]
            return index == 0 ? word.prefix(1).uppercased() + word.dropFirst() : " " + word
        }
    }

    /// 24 alphanumerics, like OpenAI's completion ids, from three draws of the random source.
    static func randomID() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)
        var generator = SystemRandomNumberGenerator()
        var id: [UInt8] = []
        id.reserveCapacity(24)
        for _ in 0..<3 {
            var bits = generator.next() as UInt64
            for _ in 0..<8 {
                id.append(alphabet[Int(bits % 62)])
                bits /= 62
            }
        }
        return String(decoding: id, as: UTF8.self)
    }

    /// A deterministic unit vector for the embeddings endpoint.
    static func embedding(seed: UInt64, dimensions: Int) -> [Double] {
        var state = seed | 1
        var values: [Double] = (0..<dimensions).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(Int64(bitPattern: state >> 11) % 2000 - 1000) / 1000
        }
        let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if norm > 0 { values = values.map { $0 / norm } }
        return values
    }
}
