import SluiceRoutingSimulation

/// Random JSON documents for the scanner's fuzz test: objects of strings (escapes, surrogate
/// pairs, multi-byte UTF-8), numbers (signs, fractions, exponents, integers around `Int`'s range,
/// doubles past their range), literals and containers, some nested to just under or over
/// ``JSONScanner/maximumDepth``; most are then mutated a few bytes at a time. Seeded (SplitMix64),
/// so a failing run replays.
struct JSONFuzzGenerator {
    private var random: SplitMix
    /// Integers generated beyond `Int.max`, where integer readers must report an overflow.
    private(set) var outOfRangeIntegers = 0

    init(seed: UInt64) {
        self.random = SplitMix(seed: seed)
    }

    private static let numbers = [
        "0", "-0", "7", "42", "-13", "3.25", "-0.5e-3", "1E+2", "2.5e10", "0.000000000000000000001", "9223372036854775807",
        "-9223372036854775808", "-9223372036854775809", "1e308", "1.7976931348623157e308", "1e400", "-1e400", "1e-400",
    ]
    private static let outOfRange = ["9223372036854775808", "18446744073709551615", "18446744073709551616", "123456789012345678901234567890"]
    private static let stringPieces = [
        "hello", "w\u{f6}rld", "\u{65e5}\u{672c}", "\u{1F600}", #"a\"b"#, #"\\"#, #"\/"#, #"\n\t"#, #"\u00e9"#, #"\ud83d\ude00"#, #"\u0000"#, " ", "x",
    ]
    private static let keys = ["model", "messages", "n", "max_tokens", "stream", "a", #"k\u0065y"#, "caf\u{e9}", ""]
    private static let whitespace = ["", "", "", " ", "\n", "\t ", "\r\n"]
    private static let mutationBytes = Array(#"{}[]":,\ 0123456789.eE-+truefalsnu/"#.utf8) + [0x01, 0x1F, 0x7F, 0x09, 0x0A, 0x0D]

    mutating func input() -> [UInt8] {
        var bytes = Array(self.document().utf8)
        for _ in 0..<[0, 0, 1, 1, 2, 3][self.below(6)] { self.mutate(&bytes) }
        return bytes
    }

    private mutating func document() -> String {
        let deep = self.below(5) == 0
        var text = self.space() + "{"
        for index in 0..<self.below(6) {
            if index > 0 { text += "," }
            text += self.space() + self.key() + self.space() + ":" + self.space()
            text += deep && index == 0 ? self.chain() : self.value(depth: 1)
        }
        return text + self.space() + "}" + self.space()
    }

    /// Nested containers to a total depth from 250 to 262, about the scanner's limit of 256.
    private mutating func chain() -> String {
        let depth = 250 + self.below(13)
        var open = "", close = ""
        for level in 2...depth {
            let array = self.below(2) == 0
            open += array ? "[" : "{" + self.key() + ":"
            close = (array ? "]" : "}") + close
            if level == depth { open += self.scalar() }
        }
        return open + close
    }

    private mutating func value(depth: Int) -> String {
        switch self.below(depth < 4 ? 9 : 6) {
        case 0, 1: return self.string()
        case 2, 3: return self.number()
        case 4, 5: return ["true", "false", "null"][self.below(3)]
        case 6, 7:
            let members = (0..<self.below(4)).map { _ in self.key() + ":" + self.space() + self.value(depth: depth + 1) }
            return "{" + members.joined(separator: "," + self.space()) + "}"
        default:
            let elements = (0..<self.below(4)).map { _ in self.value(depth: depth + 1) }
            return "[" + self.space() + elements.joined(separator: ",") + "]"
        }
    }

    private mutating func scalar() -> String {
        [self.string(), self.number(), "true", "null"][self.below(4)]
    }

    private mutating func number() -> String {
        switch self.below(8) {
        case 0:
            self.outOfRangeIntegers += 1
            return Self.outOfRange[self.below(Self.outOfRange.count)]
        case 1:
            let digits = 1 + self.below(30)
            if digits > 19 { self.outOfRangeIntegers += 1 }
            return String(1 + self.below(9)) + (1..<digits).map { _ in String(self.below(10)) }.joined()
        default:
            return Self.numbers[self.below(Self.numbers.count)]
        }
    }

    private mutating func string() -> String {
        "\"" + (0..<self.below(4)).map { _ in Self.stringPieces[self.below(Self.stringPieces.count)] }.joined() + "\""
    }

    private mutating func key() -> String {
        "\"" + Self.keys[self.below(Self.keys.count)] + "\""
    }

    private mutating func space() -> String {
        Self.whitespace[self.below(Self.whitespace.count)]
    }

    /// Inserts, deletes or replaces a byte, cuts the document short or repeats a few bytes; one
    /// mutation in twelve inserts any byte at all, often leaving the UTF-8 malformed.
    private mutating func mutate(_ bytes: inout [UInt8]) {
        let position = self.below(bytes.count + 1)
        switch self.below(12) {
        case 0, 1, 2: bytes.insert(Self.mutationBytes[self.below(Self.mutationBytes.count)], at: position)
        case 3, 4, 5: if position < bytes.count { bytes.remove(at: position) }
        case 6, 7, 8: if position < bytes.count { bytes[position] = Self.mutationBytes[self.below(Self.mutationBytes.count)] }
        case 9: bytes.removeSubrange(position...)
        case 10: bytes.insert(contentsOf: bytes[position..<min(bytes.count, position + 1 + self.below(8))], at: position)
        default: bytes.insert(UInt8(truncatingIfNeeded: self.next()), at: position)
        }
    }

    private mutating func below(_ bound: Int) -> Int {
        Int(self.next() % UInt64(bound))
    }

    private mutating func next() -> UInt64 {
        self.random.next()
    }
}
