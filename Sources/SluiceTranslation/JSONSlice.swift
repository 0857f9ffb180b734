import SluiceCore

/// A value inside a JSON document that ``JSONScanner`` validated, read in place: the stream
/// translators look at a few members of each event and copy string literals through as they
/// are, without decoding the rest.
struct JSONSlice {
    let bytes: UnsafeRawBufferPointer
    /// The value's bytes, quotes included for a string.
    let range: Range<Int>

    /// The members of the object at the top of a validated document.
    static func members(ofDocument bytes: UnsafeRawBufferPointer) throws(JSONSyntaxError) -> JSONObjectSlice {
        JSONObjectSlice(bytes: bytes, members: try JSONScanner.topLevelMembers(of: bytes))
    }

    private var firstByte: UInt8 { self.bytes[self.range.lowerBound] }

    var isNull: Bool { self.firstByte == UInt8(ascii: "n") }
    var isString: Bool { self.firstByte == UInt8(ascii: "\"") }

    /// The object's members, or nil when the value is not an object.
    var object: JSONObjectSlice? {
        guard self.firstByte == UInt8(ascii: "{") else { return nil }
        return JSONObjectSlice(bytes: self.bytes, members: JSONScanner.members(of: self.bytes, objectAt: self.range))
    }

    /// The array's elements, or nil when the value is not an array.
    var elements: [JSONSlice]? {
        guard self.firstByte == UInt8(ascii: "[") else { return nil }
        return JSONScanner.elements(of: self.bytes, arrayAt: self.range).map { JSONSlice(bytes: self.bytes, range: $0) }
    }

    /// The value's JSON text, for copying into another document.
    var raw: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: self.bytes[self.range]) }

    /// A string's escaped contents, between its quotes.
    var rawContents: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: self.bytes[(self.range.lowerBound + 1)..<(self.range.upperBound - 1)]) }

    /// Whether the value is a non-empty string.
    var isNonEmptyString: Bool { self.isString && self.range.count > 2 }

    /// The decoded string, or nil when the value is not a string.
    var string: String? {
        guard self.isString else { return nil }
        let contents = self.rawContents
        return contents.contains(UInt8(ascii: "\\")) ? JSONString.unescape(contents) : String(decoding: contents, as: UTF8.self)
    }

    /// The non-negative integer, or nil when the value is not one.
    var integer: Int? {
        var value = 0
        for byte in self.raw {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value &* 10 &+ Int(byte - UInt8(ascii: "0"))
        }
        return self.range.isEmpty ? nil : value
    }

    /// Whether the value is the string `literal` (one without escapes, such as an event type).
    func isString(_ literal: StaticString) -> Bool {
        guard self.isString, self.range.count - 2 == literal.utf8CodeUnitCount else { return false }
        return self.rawContents.elementsEqual(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// The value decoded into a tree.
    var value: JSONValue { JSONValue.value(at: self.range, in: self.bytes) }
}

/// The members of an object inside a validated document.
struct JSONObjectSlice {
    let bytes: UnsafeRawBufferPointer
    let members: [JSONMember]

    /// The member `key`, treating `null` as absent.
    subscript(key: String) -> JSONSlice? {
        guard let member = self.members.member(key), member.kind != .null else { return nil }
        return JSONSlice(bytes: self.bytes, range: member.value)
    }
}
