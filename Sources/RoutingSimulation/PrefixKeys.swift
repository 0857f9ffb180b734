import SluiceServer

/// How the gateway's prefix key comes out of a request's prompt. The gateway hashes the first
/// `prefix_bytes` (2,048 by default) of the prompt; which deployment a prefix lands on depends on
/// that hash, and whether requests sharing a prefix share a key depends on the prefix's length.
package enum PrefixKeys: String, Sendable, CaseIterable {
    /// One evenly spread key per prefix (its number through a multiplicative hash), the same for
    /// every seed: an idealised hash.
    case identifiers
    /// The hash of the first 2,048 bytes of the prompt, whose shared part (a system prompt of
    /// random words, different for every seed) is longer than that: one key per prefix, as in
    /// production, and which deployment each lands on changes with the text.
    case prompts
    /// System prompts shorter than 2,048 bytes, so the hash covers the user's message too: a new
    /// key for every request, though the servers' caches could still reuse the shared part.
    case promptsShorterThanPrefixBytes
}

/// Gives each simulated request the key the gateway would compute for it.
struct PrefixKeyMaker {
    static let prefixBytes = 2048

    let kind: PrefixKeys
    private let promptKeys: [UInt64]

    init(_ kind: PrefixKeys, prefixes: Int, seed: UInt64) {
        self.kind = kind
        var random = SplitMix(seed: seed ^ 0x5EED_0F_7E47)
        self.promptKeys = (0..<prefixes).map { _ in RendezvousHash.key(Self.systemPrompt(using: &random).prefix(Self.prefixBytes)) }
    }

    func key(prefix: Int, request: Int) -> UInt64 {
        switch self.kind {
        case .identifiers: UInt64(prefix) &* 0x9E37_79B9_7F4A_7C15 | 1
        case .prompts: self.promptKeys[prefix]
        case .promptsShorterThanPrefixBytes: RendezvousHash.key(Array("\(self.promptKeys[prefix]) user message \(request)".utf8))
        }
    }

    /// The start of a chat request's `messages` with a system prompt of random words, as the
    /// gateway sees its bytes.
    private static func systemPrompt(using random: inout SplitMix) -> [UInt8] {
        let words = ["the", "assistant", "answers", "questions", "about", "our", "product", "in", "a", "friendly", "tone", "and", "cites", "the", "manual"]
        var text = Array(#"[{"role":"system","content":"You are"#.utf8)
        while text.count < Self.prefixBytes + 64 {
            text += Array(" \(words[Int(random.next() % UInt64(words.count))])".utf8)
        }
        return text
    }
}
