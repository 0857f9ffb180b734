import Foundation
import Synchronization

/// Anthropic's prompt cache as a stub keeps it. The prompt is read in Anthropic's cache order
/// (tools, then system blocks, then each message's blocks), each block costing a quarter of its
/// JSON's bytes (at least one token). A block with `cache_control` ends a cacheable prefix: the
/// longest prefix cached before is read, the rest up to the last breakpoint is written (for an
/// hour when its breakpoint says `"ttl": "1h"`, else five minutes) and cached from then on, and
/// what follows the last breakpoint is plain input. As Anthropic does, it refuses a one-hour
/// breakpoint after a five-minute one.
final class AnthropicPromptCache: Sendable {
    /// A request's input tokens in Anthropic's terms.
    struct Usage: Equatable {
        var uncachedInput: Int
        var read: Int
        var fiveMinuteWrite: Int
        var oneHourWrite: Int
    }

    /// Why a request's cache breakpoints cannot be served.
    struct Refusal: Error {
        var message: String
    }

    private let prefixes = Mutex<Set<String>>([])

    /// Counts `json`'s input and updates the cache. A body without `messages` counts a quarter of
    /// `rawBody`'s bytes.
    func account(_ json: [String: Any], rawBody: String) throws(Refusal) -> Usage {
        let blocks = Self.blocks(of: json)
        guard !blocks.isEmpty else { return Usage(uncachedInput: max(1, rawBody.utf8.count / 4), read: 0, fiveMinuteWrite: 0, oneHourWrite: 0) }
        // Breakpoints: the tokens up to and including their block, their lifetime, and the prefix's key.
        var breakpoints: [(tokens: Int, oneHour: Bool, key: String)] = []
        var key = json["model"] as? String ?? ""
        var total = 0
        for block in blocks {
            let text = Self.canonical(block)
            key += text
            total += max(1, text.utf8.count / 4)
            guard let control = block["cache_control"] as? [String: Any] else { continue }
            let oneHour = control["ttl"] as? String == "1h"
            if oneHour, breakpoints.contains(where: { !$0.oneHour }) {
                throw Refusal(message: "a cache_control block with ttl '1h' must not come after one with ttl '5m'")
            }
            breakpoints.append((total, oneHour, key))
        }
        return self.prefixes.withLock { cached in
            let hit = breakpoints.lastIndex { cached.contains($0.key) }
            var usage = Usage(uncachedInput: 0, read: hit.map { breakpoints[$0].tokens } ?? 0, fiveMinuteWrite: 0, oneHourWrite: 0)
            var covered = usage.read
            for breakpoint in breakpoints[(hit.map { $0 + 1 } ?? 0)...] {
                if breakpoint.oneHour { usage.oneHourWrite += breakpoint.tokens - covered } else { usage.fiveMinuteWrite += breakpoint.tokens - covered }
                covered = breakpoint.tokens
            }
            usage.uncachedInput = total - covered
            cached.formUnion(breakpoints.map(\.key))
            return usage
        }
    }

    /// The prompt's blocks in cache order; a string `system` or message content is one text block.
    private static func blocks(of json: [String: Any]) -> [[String: Any]] {
        func content(_ value: Any?) -> [[String: Any]] {
            if let text = value as? String { return [["type": "text", "text": text]] }
            return value as? [[String: Any]] ?? []
        }
        let messages = json["messages"] as? [[String: Any]] ?? []
        guard !messages.isEmpty else { return [] }
        return (json["tools"] as? [[String: Any]] ?? []) + content(json["system"]) + messages.flatMap { content($0["content"]) }
    }

    private static func canonical(_ block: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: block, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
