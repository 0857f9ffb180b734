import SluiceCore

/// Reads bytes that ``JSONScanner`` has validated in one pass, so it checks nothing and never
/// rescans a nested value: builds trees, and finds members without decoding the rest.
struct ValidatedJSONReader {
    let bytes: UnsafeRawBufferPointer
    var position: Int

    mutating func skipWhitespace() {
        while self.position < self.bytes.count {
            switch self.bytes[self.position] {
            case 0x20, 0x09, 0x0A, 0x0D: self.position += 1
            default: return
            }
        }
    }

    mutating func readValue() -> JSONValue {
        self.skipWhitespace()
        switch self.bytes[self.position] {
        case UInt8(ascii: "{"):
            self.position += 1
            var members: [(key: String, value: JSONValue)] = []
            self.skipWhitespace()
            while self.bytes[self.position] != UInt8(ascii: "}") {
                let key = self.readString()
                self.skipWhitespace()
                self.position += 1
                members.append((key: key, value: self.readValue()))
                self.skipWhitespace()
                if self.bytes[self.position] == UInt8(ascii: ",") {
                    self.position += 1
                    self.skipWhitespace()
                }
            }
            self.position += 1
            return .object(members)
        case UInt8(ascii: "["):
            self.position += 1
            var elements: [JSONValue] = []
            self.skipWhitespace()
            while self.bytes[self.position] != UInt8(ascii: "]") {
                elements.append(self.readValue())
                self.skipWhitespace()
                if self.bytes[self.position] == UInt8(ascii: ",") { self.position += 1 }
                self.skipWhitespace()
            }
            self.position += 1
            return .array(elements)
        case UInt8(ascii: "\""):
            return .string(self.readString())
        case UInt8(ascii: "t"):
            self.position += 4
            return .bool(true)
        case UInt8(ascii: "f"):
            self.position += 5
            return .bool(false)
        case UInt8(ascii: "n"):
            self.position += 4
            return .null
        default:
            let start = self.position
            while self.position < self.bytes.count, Self.isNumberByte(self.bytes[self.position]) { self.position += 1 }
            return .number(String(decoding: UnsafeRawBufferPointer(rebasing: self.bytes[start..<self.position]), as: UTF8.self))
        }
    }

    static func isNumberByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): true
        default: false
        }
    }

    /// Reads the string at the current opening quote.
    mutating func readString() -> String {
        self.position += 1
        let start = self.position
        var hasEscapes = false
        while self.bytes[self.position] != UInt8(ascii: "\"") {
            if self.bytes[self.position] == UInt8(ascii: "\\") {
                hasEscapes = true
                self.position += 1
            }
            self.position += 1
        }
        let raw = UnsafeRawBufferPointer(rebasing: self.bytes[start..<self.position])
        self.position += 1
        return hasEscapes ? JSONString.unescape(raw) : String(decoding: raw, as: UTF8.self)
    }

    /// Moves past the value at the current position without building it.
    mutating func skipValue() {
        self.skipWhitespace()
        switch self.bytes[self.position] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            repeat {
                switch self.bytes[self.position] {
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
                case UInt8(ascii: "\""):
                    self.skipString()
                    continue
                default: break
                }
                self.position += 1
            } while depth > 0
        case UInt8(ascii: "\""):
            self.skipString()
        default:
            while self.position < self.bytes.count {
                switch self.bytes[self.position] {
                case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D: return
                default: self.position += 1
                }
            }
        }
    }

    /// Moves past the string at the current opening quote.
    mutating func skipString() {
        self.position += 1
        while self.bytes[self.position] != UInt8(ascii: "\"") {
            self.position += self.bytes[self.position] == UInt8(ascii: "\\") ? 2 : 1
        }
        self.position += 1
    }

    /// The members of the object at the current position: the ranges of each key's contents
    /// (between its quotes, as written) and of its value.
    mutating func readMembers() -> [(key: Range<Int>, value: Range<Int>)] {
        var members: [(key: Range<Int>, value: Range<Int>)] = []
        members.reserveCapacity(8)
        self.skipWhitespace()
        self.position += 1
        self.skipWhitespace()
        while self.bytes[self.position] != UInt8(ascii: "}") {
            let keyStart = self.position + 1
            self.skipString()
            let key = keyStart..<(self.position - 1)
            self.skipWhitespace()
            self.position += 1
            self.skipWhitespace()
            let valueStart = self.position
            self.skipValue()
            members.append((key: key, value: valueStart..<self.position))
            self.skipWhitespace()
            if self.bytes[self.position] == UInt8(ascii: ",") {
                self.position += 1
                self.skipWhitespace()
            }
        }
        self.position += 1
        return members
    }

    /// The ranges of the elements of the array at the current position.
    mutating func readElements() -> [Range<Int>] {
        var elements: [Range<Int>] = []
        self.skipWhitespace()
        self.position += 1
        self.skipWhitespace()
        while self.bytes[self.position] != UInt8(ascii: "]") {
            let start = self.position
            self.skipValue()
            elements.append(start..<self.position)
            self.skipWhitespace()
            if self.bytes[self.position] == UInt8(ascii: ",") {
                self.position += 1
                self.skipWhitespace()
            }
        }
        self.position += 1
        return elements
    }
}
