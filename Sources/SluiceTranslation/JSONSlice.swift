import SluiceCore

/// A value inside a JSON document that ``JSONScanner`` validated, read in place: the stream
/// translators look at a few members of each event and copy string literals through as they
/// are, without decoding the rest.
struct JSONSlice {
    let bytes: UnsafeRawBufferPointer
    /// The value's bytes, quotes included for a string.
    let range: Range<Int>

    /// The top-level object of `bytes`, after validating them as one JSON object.
    static func validatedObject(_ bytes: UnsafeRawBufferPointer) throws(JSONSyntaxError) -> JSONObjectSlice {
        let members = try JSONScanner.topLevelMembers(of: bytes)
        return JSONObjectSlice(bytes: bytes, decoded: members)
    }

    private var firstByte: UInt8 { self.bytes[self.range.lowerBound] }

    var isString: Bool { self.firstByte == UInt8(ascii: "\"") }

    /// The object's members, or nil when the value is not an object.
    var object: JSONObjectSlice? {
        guard self.firstByte == UInt8(ascii: "{") else { return nil }
        var reader = ValidatedJSONReader(bytes: self.bytes, position: self.range.lowerBound)
        return JSONObjectSlice(bytes: self.bytes, written: reader.readMembers())
    }

    /// The array's elements, or nil when the value is not an array.
    var elements: [JSONSlice]? {
        guard self.firstByte == UInt8(ascii: "[") else { return nil }
        var reader = ValidatedJSONReader(bytes: self.bytes, position: self.range.lowerBound)
        return reader.readElements().map { JSONSlice(bytes: self.bytes, range: $0) }
    }

    /// The members of an array's first element, or nil when the value is not an array whose
    /// first element is an object (a chunk's first choice, without reading the others).
    var firstElementObject: JSONObjectSlice? {
        guard self.firstByte == UInt8(ascii: "[") else { return nil }
        var reader = ValidatedJSONReader(bytes: self.bytes, position: self.range.lowerBound + 1)
        reader.skipWhitespace()
        guard self.bytes[reader.position] == UInt8(ascii: "{") else { return nil }
        return JSONObjectSlice(bytes: self.bytes, written: reader.readMembers())
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
        guard !self.range.isEmpty, self.range.count < 19 else { return nil }
        var value = 0
        for byte in self.raw {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// Whether the value is the string `literal` (one without escapes, such as an event type).
    func isString(_ literal: StaticString) -> Bool {
        guard self.isString, self.range.count - 2 == literal.utf8CodeUnitCount else { return false }
        return self.rawContents.elementsEqual(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// The value decoded into a tree.
    var value: JSONValue { JSONValue.value(at: self.range, in: self.bytes) }
}

/// The members of an object inside a validated document: as ``JSONScanner`` decoded them at the
/// top level, or as ``ValidatedJSONReader`` found them below it, keys matched as written (the
/// providers' member names need no escapes).
struct JSONObjectSlice {
    let bytes: UnsafeRawBufferPointer
    private var decoded: [JSONMember] = []
    private var written: [(key: Range<Int>, value: Range<Int>)] = []

    init(bytes: UnsafeRawBufferPointer, decoded: [JSONMember]) {
        self.bytes = bytes
        self.decoded = decoded
    }

    init(bytes: UnsafeRawBufferPointer, written: [(key: Range<Int>, value: Range<Int>)]) {
        self.bytes = bytes
        self.written = written
    }

    /// The member `key` (the last one, when repeated), treating `null` as absent.
    subscript(key: StaticString) -> JSONSlice? {
        let name = UnsafeRawBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
        let value: Range<Int>?
        if self.written.isEmpty {
            value = self.decoded.last { $0.key.utf8.count == name.count && $0.key.utf8.elementsEqual(name) }?.value
        } else {
            value = self.written.last { $0.key.count == name.count && UnsafeRawBufferPointer(rebasing: self.bytes[$0.key]).elementsEqual(name) }?.value
        }
        guard let value, self.bytes[value.lowerBound] != UInt8(ascii: "n") else { return nil }
        return JSONSlice(bytes: self.bytes, range: value)
    }

    /// The object decoded into a tree.
    var value: JSONValue {
        if self.written.isEmpty {
            return .object(self.decoded.map { (key: $0.key, value: JSONValue.value(at: $0.value, in: self.bytes)) })
        }
        return .object(self.written.map { member in
            let raw = UnsafeRawBufferPointer(rebasing: self.bytes[member.key])
            let key = raw.contains(UInt8(ascii: "\\")) ? JSONString.unescape(raw) : String(decoding: raw, as: UTF8.self)
            return (key: key, value: JSONValue.value(at: member.value, in: self.bytes))
        })
    }
}
