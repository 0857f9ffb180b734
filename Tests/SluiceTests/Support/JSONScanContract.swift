@testable import SluiceCore

/// The scanner's promises about a document it accepted, for the fuzz test: every span lies inside
/// the buffer and inside its parent and starts as its kind does, nested objects and arrays scan
/// again from their spans, and members agree with a reference parser's.
enum JSONScanContract {
    /// The first broken span promise, or nil.
    static func spanProblem(_ members: [JSONMember], in bytes: UnsafeRawBufferPointer, within parent: Range<Int>? = nil) -> String? {
        for member in members {
            if let problem = self.spanProblem(member.value, kind: member.kind, in: bytes, within: parent ?? 0..<bytes.count) {
                return "member \(member.key.debugDescription): \(problem)"
            }
        }
        return nil
    }

    private static func spanProblem(_ span: Range<Int>, kind: JSONValueKind, in bytes: UnsafeRawBufferPointer, within parent: Range<Int>) -> String? {
        guard !span.isEmpty, span.lowerBound >= parent.lowerBound, span.upperBound <= parent.upperBound else {
            return "span \(span) outside \(parent)"
        }
        let first = bytes[span.lowerBound]
        let starts: Bool =
            switch kind {
            case .object: first == UInt8(ascii: "{")
            case .array: first == UInt8(ascii: "[")
            case .string: first == UInt8(ascii: "\"")
            case .number: first == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first)
            case .bool: first == UInt8(ascii: "t") || first == UInt8(ascii: "f")
            case .null: first == UInt8(ascii: "n")
            }
        guard starts else { return "a \(kind) span starts with byte \(first)" }
        switch kind {
        case .object:
            return self.spanProblem(JSONScanner.members(of: bytes, objectAt: span), in: bytes, within: span)
        case .array:
            for element in JSONScanner.elements(of: bytes, arrayAt: span) {
                let kind: JSONValueKind =
                    switch bytes[element.lowerBound] {
                    case UInt8(ascii: "{"): .object
                    case UInt8(ascii: "["): .array
                    case UInt8(ascii: "\""): .string
                    case UInt8(ascii: "t"), UInt8(ascii: "f"): .bool
                    case UInt8(ascii: "n"): .null
                    default: .number
                    }
                if let problem = self.spanProblem(element, kind: kind, in: bytes, within: span) { return "in an array: \(problem)" }
            }
            return nil
        default:
            return nil
        }
    }

    /// The first disagreement with the reference's members (keys, kinds, strings, integers), or nil.
    static func memberProblem(_ members: [JSONMember], reference: [String: (kind: String, text: String?)]?, in bytes: UnsafeRawBufferPointer) -> String? {
        guard let reference else { return nil }
        var last: [String: JSONMember] = [:]
        for member in members { last[member.key] = member }
        guard Set(last.keys) == Set(reference.keys) else { return "keys \(last.keys.sorted()) vs the reference's \(reference.keys.sorted())" }
        for (key, member) in last {
            guard let expected = reference[key] else { continue }
            guard "\(member.kind)" == expected.kind else { return "\(key.debugDescription) is a \(member.kind), the reference says \(expected.kind)" }
            if member.kind == .string, let text = expected.text, JSONValueReader.string(member, in: bytes) != text {
                return "\(key.debugDescription) reads \(JSONValueReader.string(member, in: bytes)?.debugDescription ?? "nil"), the reference \(text.debugDescription)"
            }
            if member.kind == .number {
                // A non-negative whole number that fits an Int, and nothing else, reads as one.
                let integer = bytes[member.value.lowerBound] == UInt8(ascii: "-") ? nil : expected.text.flatMap { Int($0) }
                if JSONValueReader.integer(member, in: bytes) != integer {
                    return "\(key.debugDescription) reads as the integer \(String(describing: JSONValueReader.integer(member, in: bytes))), expected \(String(describing: integer))"
                }
            }
        }
        return nil
    }
}
