/// The OpenAI tool call id of a Gemini function call, with the call's thought signature inside.
///
/// Gemini 3 attaches a `thoughtSignature` to the first function-call part of a step and refuses
/// the next request of the turn unless that part comes back with it. OpenAI and Anthropic tool
/// calls have no field for it, but every client sends a call's id back as it got it (on the
/// assistant message and on the tool result), so the signature travels inside the id:
/// `call_ts<length>_<signature>_<base>`. The signature is written in base64url without padding,
/// so the id keeps to `[A-Za-z0-9_-]` (what Anthropic requires of `tool_use` ids), `<length>`
/// counts its characters, and `<base>` is Gemini's own call id or a generated one. A call
/// without a signature keeps a plain id.
enum GeminiToolCallID {
    private static let prefix = "call_ts"
    /// Longest signature carried; far above what Gemini sends, and it bounds the length digits.
    private static let maxSignatureLength = 1_000_000

    /// The id for a call with Gemini's `id` (if it gave one) and `signature` (if it gave one).
    static func encode(geminiID: String?, signature: String?) -> String {
        guard let signature, let packed = Self.base64URL(signature), !packed.isEmpty, packed.count <= Self.maxSignatureLength else {
            return geminiID ?? GeminiCandidate.generatedCallID()
        }
        return "\(Self.prefix)\(packed.count)_\(packed)_\(geminiID ?? GeminiCandidate.randomToken())"
    }

    /// The thought signature inside `id`, in standard base64 as Gemini reads it; nil for an id
    /// that carries none (one the gateway did not write, or one a client changed).
    static func signature(in id: String) -> String? {
        guard id.hasPrefix(Self.prefix) else { return nil }
        let rest = id.utf8.dropFirst(Self.prefix.utf8.count)
        guard let separator = rest.firstIndex(of: UInt8(ascii: "_")) else { return nil }
        let digits = rest[..<separator]
        guard (1...7).contains(digits.count), digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            let length = Int(String(decoding: digits, as: UTF8.self)), length > 0
        else { return nil }
        let signature = rest[rest.index(after: separator)...].prefix(length)
        let tail = rest[rest.index(after: separator)...].dropFirst(length)
        guard signature.count == length, tail.first == UInt8(ascii: "_"), signature.allSatisfy(Self.isBase64URL) else { return nil }
        var standard = String(decoding: signature, as: UTF8.self).map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 }
        standard += Array(repeating: "=", count: (4 - length % 4) % 4)
        return String(standard)
    }

    /// `signature` (standard base64 or base64url, padded or not) as unpadded base64url; nil
    /// when it is not base64 at all.
    private static func base64URL(_ signature: String) -> String? {
        var output = ""
        output.reserveCapacity(signature.utf8.count)
        for byte in signature.utf8 {
            switch byte {
            case UInt8(ascii: "+"): output.append("-")
            case UInt8(ascii: "/"): output.append("_")
            case UInt8(ascii: "="): continue
            case _ where Self.isBase64URL(byte): output.append(Character(Unicode.Scalar(byte)))
            default: return nil
            }
        }
        return output
    }

    private static func isBase64URL(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default: false
        }
    }
}
