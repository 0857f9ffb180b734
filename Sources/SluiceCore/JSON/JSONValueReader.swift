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
        guard member.kind == .number else { return nil }
        var value = 0
        for index in member.value {
            let byte = bytes[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowB) = times.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            guard !overflowA, !overflowB else { return nil }
            value = sum
        }
        return value
    }

    /// Whether the bytes in `range` spell exactly `literal` (for example a known model name).
    public static func bytes(_ bytes: UnsafeRawBufferPointer, in range: Range<Int>, equal literal: [UInt8]) -> Bool {
        guard range.count == literal.count else { return false }
        return literal.withUnsafeBytes { UnsafeRawBufferPointer(rebasing: bytes[range]).elementsEqual($0) }
    }
}
