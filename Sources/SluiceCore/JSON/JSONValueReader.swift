/// Reads scalar values out of a document that ``JSONScanner`` validated, by byte range.
public enum JSONValueReader {
    /// The string at `member`, or nil when the member is not a string.
    public static func string(_ member: JSONMember, in bytes: UnsafeRawBufferPointer) -> String? {
        guard member.kind == .string else { return nil }
        let contents = (member.value.lowerBound + 1)..<(member.value.upperBound - 1)
        let raw = UnsafeRawBufferPointer(rebasing: bytes[contents])
        return raw.contains(UInt8(ascii: "\\")) ? JSONString.unescape(raw) : String(decoding: raw, as: UTF8.self)
    }

    /// The boolean at `member`, or nil when the member is not `true` or `false`.
    public static func bool(_ member: JSONMember, in bytes: UnsafeRawBufferPointer) -> Bool? {
        guard member.kind == .bool else { return nil }
        return bytes[member.value.lowerBound] == UInt8(ascii: "t")
    }

    /// The non-negative integer at `member`, or nil when it is not one that fits an `Int`.
    public static func integer(_ member: JSONMember, in bytes: UnsafeRawBufferPointer) -> Int? {
        guard member.kind == .number, bytes[member.value.lowerBound] != UInt8(ascii: "-"),
            case .integer(let value) = self.integerReading(member, in: bytes)
        else { return nil }
        return value
    }

    /// What a number member holds, read exactly: a whole number that fits an `Int`, a whole number
    /// too large (or too small) for one, or something else (a fraction, an exponent, not a number).
    public enum IntegerReading: Sendable, Equatable {
        case integer(Int)
        case outOfRange(negative: Bool)
        case notAnInteger
    }

    /// Reads the integer at `member`, telling an out-of-range integer (`9223372036854775808`,
    /// `-1e400` is not one: it has an exponent) from a value that is no integer at all.
    public static func integerReading(_ member: JSONMember, in bytes: UnsafeRawBufferPointer) -> IntegerReading {
        guard member.kind == .number else { return .notAnInteger }
        var digits = member.value
        let negative = bytes[digits.lowerBound] == UInt8(ascii: "-")
        if negative { digits = (digits.lowerBound + 1)..<digits.upperBound }
        var magnitude: UInt64 = 0
        var overflowed = false
        for index in digits {
            let byte = bytes[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return .notAnInteger }
            let (times, overflowA) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflowB) = times.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            overflowed = overflowed || overflowA || overflowB
            magnitude = sum
        }
        if overflowed { return .outOfRange(negative: negative) }
        if negative {
            guard magnitude <= UInt64(Int.max) + 1 else { return .outOfRange(negative: true) }
            return .integer(magnitude == UInt64(Int.max) + 1 ? Int.min : -Int(magnitude))
        }
        guard magnitude <= UInt64(Int.max) else { return .outOfRange(negative: false) }
        return .integer(Int(magnitude))
    }

    /// Whether the bytes in `range` spell exactly `literal` (for example a known model name).
    public static func bytes(_ bytes: UnsafeRawBufferPointer, in range: Range<Int>, equal literal: [UInt8]) -> Bool {
        guard range.count == literal.count else { return false }
        return literal.withUnsafeBytes { UnsafeRawBufferPointer(rebasing: bytes[range]).elementsEqual($0) }
    }
}
