/// A validating, allocation-light JSON scanner that reports where each member of an object lies.
///
/// The gateway forwards request and response bodies as they are and changes only a few fields
/// (the model name, `stream_options`), so it needs byte spans of members rather than a decoded
/// tree. Written by hand because no listed package exposes member spans; Foundation's decoders
/// build the whole tree and lose positions.
///
/// ```swift
/// let members = try bytes.withUnsafeBytes { try JSONScanner.topLevelMembers(of: $0) }
/// let model = members.first { $0.key == "model" }
/// ```
public enum JSONScanner {
    /// Deepest nesting accepted; deeper documents are rejected instead of exhausting the stack.
    public static let maximumDepth = 256

    /// Validates `bytes` as exactly one JSON document whose top level is an object, and returns
    /// that object's members in document order.
    public static func topLevelMembers(of bytes: UnsafeRawBufferPointer) throws(JSONSyntaxError) -> [JSONMember] {
        var cursor = Cursor(bytes: bytes, position: 0)
        cursor.skipWhitespace()
        guard cursor.peek() == UInt8(ascii: "{") else {
            if cursor.atEnd { throw cursor.error("the body is empty; expected a JSON object") }
            throw cursor.error("expected a JSON object")
        }
        var members: [JSONMember] = []
        try cursor.scanObject(depth: 1) { member in members.append(member) }
        cursor.skipWhitespace()
        guard cursor.atEnd else { throw cursor.error("unexpected data after the JSON object") }
        return members
    }

    /// Returns the members of the object at `range` inside a document already validated by
    /// ``topLevelMembers(of:)``.
    public static func members(of bytes: UnsafeRawBufferPointer, objectAt range: Range<Int>) -> [JSONMember] {
        var cursor = Cursor(bytes: UnsafeRawBufferPointer(rebasing: bytes[..<range.upperBound]), position: range.lowerBound)
        var members: [JSONMember] = []
        do {
            try cursor.scanObject(depth: 1) { member in members.append(member) }
        } catch {
            return []
        }
        return members
    }

    /// Returns the byte ranges of the elements of the array at `range` inside a validated document.
    public static func elements(of bytes: UnsafeRawBufferPointer, arrayAt range: Range<Int>) -> [Range<Int>] {
        var cursor = Cursor(bytes: UnsafeRawBufferPointer(rebasing: bytes[..<range.upperBound]), position: range.lowerBound)
        var elements: [Range<Int>] = []
        do {
            try cursor.scanArray(depth: 1) { element in elements.append(element) }
        } catch {
            return []
        }
        return elements
    }
}

extension JSONScanner {
    struct Cursor {
        let bytes: UnsafeRawBufferPointer
        var position: Int

        var atEnd: Bool { self.position >= self.bytes.count }

        func peek() -> UInt8? {
            self.position < self.bytes.count ? self.bytes[self.position] : nil
        }

        func error(_ reason: String) -> JSONSyntaxError {
            JSONSyntaxError(reason: reason, offset: self.position, in: self.bytes)
        }

        mutating func skipWhitespace() {
            while self.position < self.bytes.count {
                switch self.bytes[self.position] {
                case 0x20, 0x09, 0x0A, 0x0D: self.position += 1
                default: return
                }
            }
        }

        mutating func expect(_ byte: UInt8, _ what: String) throws(JSONSyntaxError) {
            guard self.peek() == byte else {
                throw self.error(self.atEnd ? "unexpected end of input; expected \(what)" : "expected \(what)")
            }
            self.position += 1
        }

        /// Scans an object starting at `{`, calling `onMember` for each member.
        mutating func scanObject(depth: Int, _ onMember: (JSONMember) -> Void) throws(JSONSyntaxError) {
            guard depth <= JSONScanner.maximumDepth else { throw self.error("nesting deeper than \(JSONScanner.maximumDepth) levels") }
            try self.expect(UInt8(ascii: "{"), "'{'")
            self.skipWhitespace()
            if self.peek() == UInt8(ascii: "}") {
                self.position += 1
                return
            }
            while true {
                self.skipWhitespace()
                guard self.peek() == UInt8(ascii: "\"") else {
                    throw self.error(self.atEnd ? "unexpected end of input inside an object" : "expected a string key")
                }
                let key = try self.scanString()
                self.skipWhitespace()
                try self.expect(UInt8(ascii: ":"), "':' after an object key")
                self.skipWhitespace()
                let start = self.position
                let kind = try self.scanValue(depth: depth)
                onMember(JSONMember(key: key.decoded(in: self.bytes), value: start..<self.position, kind: kind))
                self.skipWhitespace()
                switch self.peek() {
                case UInt8(ascii: ","): self.position += 1
                case UInt8(ascii: "}"):
                    self.position += 1
                    return
                case nil: throw self.error("unexpected end of input inside an object")
                default: throw self.error("expected ',' or '}' in an object")
                }
            }
        }

        /// Scans an array starting at `[`, calling `onElement` with each element's range.
        mutating func scanArray(depth: Int, _ onElement: (Range<Int>) -> Void) throws(JSONSyntaxError) {
            guard depth <= JSONScanner.maximumDepth else { throw self.error("nesting deeper than \(JSONScanner.maximumDepth) levels") }
            try self.expect(UInt8(ascii: "["), "'['")
            self.skipWhitespace()
            if self.peek() == UInt8(ascii: "]") {
                self.position += 1
                return
            }
            while true {
                self.skipWhitespace()
                let start = self.position
                _ = try self.scanValue(depth: depth)
                onElement(start..<self.position)
                self.skipWhitespace()
                switch self.peek() {
                case UInt8(ascii: ","): self.position += 1
                case UInt8(ascii: "]"):
                    self.position += 1
                    return
                case nil: throw self.error("unexpected end of input inside an array")
                default: throw self.error("expected ',' or ']' in an array")
                }
            }
        }

        mutating func scanValue(depth: Int) throws(JSONSyntaxError) -> JSONValueKind {
            guard let byte = self.peek() else { throw self.error("unexpected end of input; expected a value") }
            switch byte {
            case UInt8(ascii: "{"):
                try self.scanObject(depth: depth + 1) { _ in }
                return .object
            case UInt8(ascii: "["):
                try self.scanArray(depth: depth + 1) { _ in }
                return .array
            case UInt8(ascii: "\""):
                _ = try self.scanString()
                return .string
            case UInt8(ascii: "t"):
                try self.scanLiteral("true")
                return .bool
            case UInt8(ascii: "f"):
                try self.scanLiteral("false")
                return .bool
            case UInt8(ascii: "n"):
                try self.scanLiteral("null")
                return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                try self.scanNumber()
                return .number
            default:
                throw self.error("unexpected character '\(Self.printable(byte))'")
            }
        }

        mutating func scanLiteral(_ literal: StaticString) throws(JSONSyntaxError) {
            let count = literal.utf8CodeUnitCount
            let matches = self.position + count <= self.bytes.count
                && (0..<count).allSatisfy { self.bytes[self.position + $0] == literal.utf8Start[$0] }
            guard matches else { throw self.error("invalid literal; expected '\(literal)'") }
            self.position += count
        }

        mutating func scanNumber() throws(JSONSyntaxError) {
            if self.peek() == UInt8(ascii: "-") { self.position += 1 }
            guard let first = self.peek(), Self.isDigit(first) else { throw self.error("invalid number") }
            self.position += 1
            if first != UInt8(ascii: "0") { self.skipDigits() }
            if self.peek() == UInt8(ascii: ".") {
                self.position += 1
                guard let digit = self.peek(), Self.isDigit(digit) else { throw self.error("invalid number: expected a digit after '.'") }
                self.skipDigits()
            }
            if self.peek() == UInt8(ascii: "e") || self.peek() == UInt8(ascii: "E") {
                self.position += 1
                if self.peek() == UInt8(ascii: "+") || self.peek() == UInt8(ascii: "-") { self.position += 1 }
                guard let digit = self.peek(), Self.isDigit(digit) else { throw self.error("invalid number: expected a digit in the exponent") }
                self.skipDigits()
            }
        }

        mutating func skipDigits() {
            while let byte = self.peek(), Self.isDigit(byte) { self.position += 1 }
        }

        /// Scans a string starting at its opening quote and returns the span of its contents.
        mutating func scanString() throws(JSONSyntaxError) -> StringSpan {
            self.position += 1
            let start = self.position
            var hasEscapes = false
            while self.position < self.bytes.count {
                let byte = self.bytes[self.position]
                switch byte {
                case UInt8(ascii: "\""):
                    let span = StringSpan(contents: start..<self.position, hasEscapes: hasEscapes)
                    self.position += 1
                    return span
                case UInt8(ascii: "\\"):
                    hasEscapes = true
                    self.position += 1
                    guard let escaped = self.peek() else { break }
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                        UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        self.position += 1
                    case UInt8(ascii: "u"):
                        self.position += 1
                        for _ in 0..<4 {
                            guard let hex = self.peek(), Self.hexValue(hex) != nil else { throw self.error("invalid \\u escape in a string") }
                            self.position += 1
                        }
                    default:
                        throw self.error("invalid escape '\\\(Self.printable(escaped))' in a string")
                    }
                case 0x00..<0x20:
                    throw self.error("unescaped control character in a string")
                default:
                    self.position += 1
                }
            }
            throw self.error("unterminated string")
        }

        static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

        static func hexValue(_ byte: UInt8) -> UInt32? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
            default: nil
            }
        }

        static func printable(_ byte: UInt8) -> String {
            byte >= 0x20 && byte < 0x7F ? String(UnicodeScalar(byte)) : "\\u{\(String(byte, radix: 16))}"
        }
    }

    /// The contents of a scanned string, between its quotes.
    struct StringSpan {
        var contents: Range<Int>
        var hasEscapes: Bool

        func decoded(in bytes: UnsafeRawBufferPointer) -> String {
            let raw = UnsafeRawBufferPointer(rebasing: bytes[self.contents])
            return self.hasEscapes ? JSONString.unescape(raw) : String(decoding: raw, as: UTF8.self)
        }
    }
}
