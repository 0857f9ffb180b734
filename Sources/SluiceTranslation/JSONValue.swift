import SluiceCore

/// A decoded JSON value, for the documents the translators restructure.
///
/// Objects keep their members in document order so translated bodies read like the originals;
/// numbers keep their source text so nothing is rounded on the way through. Parsing is built on
/// ``JSONScanner`` and serialising on ``JSONString``.
public enum JSONValue: Sendable {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    /// A number as written in the source document.
    case number(String)
    case bool(Bool)
    case null

    /// An integer number.
    public static func integer(_ value: Int) -> JSONValue { .number(String(value)) }

    /// The member named `key` of an object (the last one, when repeated).
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.key == key }?.value
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The number as an integer, when it is one.
    public var intValue: Int? {
        if case .number(let text) = self { return Int(text) }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    public var objectMembers: [(key: String, value: JSONValue)]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// Whether the value is absent in the JSON sense: `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

extension JSONValue: Equatable {
    /// Objects compare by their members regardless of order; everything else structurally.
    /// A repeated key counts with its last value, as the subscript reads it, so that an object
    /// with one still equals itself.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.object(let left), .object(let right)):
            guard left.count == right.count else { return false }
            return left.allSatisfy { rhs[$0.key] == lhs[$0.key] } && right.allSatisfy { lhs[$0.key] != nil }
        case (.array(let left), .array(let right)): return left == right
        case (.string(let left), .string(let right)): return left == right
        case (.number(let left), .number(let right)): return left == right || (Double(left) != nil && Double(left) == Double(right))
        case (.bool(let left), .bool(let right)): return left == right
        case (.null, .null): return true
        default: return false
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(elements.map { (key: $0.0, value: $0.1) }) }
}

// MARK: - Parsing

extension JSONValue {
    /// Parses a JSON document whose top level is an object.
    public static func parseObject(_ bytes: UnsafeRawBufferPointer) throws(JSONSyntaxError) -> JSONValue {
        let members = try JSONScanner.topLevelMembers(of: bytes)
        return .object(members.map { (key: $0.key, value: Self.value(at: $0.value, in: bytes)) })
    }

    /// Parses a JSON document whose top level is an object.
    public static func parseObject(_ bytes: some Collection<UInt8>) throws(JSONSyntaxError) -> JSONValue {
        let result = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONSyntaxError) in try Self.parseObject(UnsafeRawBufferPointer(buffer)) }
        }
        if let result { return try result.get() }
        return try Array(bytes).withUnsafeBytes { raw in
            Result { () throws(JSONSyntaxError) in try Self.parseObject(raw) }
        }.get()
    }

    /// The value at `range` of a document ``JSONScanner`` already validated.
    static func value(at range: Range<Int>, in bytes: UnsafeRawBufferPointer) -> JSONValue {
        var reader = ValidatedJSONReader(bytes: bytes, position: range.lowerBound)
        return reader.readValue()
    }
}

// MARK: - Serialising

extension JSONValue {
    /// The value as compact JSON.
    public var serialized: [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        self.write(into: &output)
        return output
    }

    /// Appends the value as compact JSON to `output`.
    public func write(into output: inout [UInt8]) {
        switch self {
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                JSONString.appendQuoted(member.key, to: &output)
                output.append(UInt8(ascii: ":"))
                member.value.write(into: &output)
            }
            output.append(UInt8(ascii: "}"))
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                element.write(into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .string(let value): JSONString.appendQuoted(value, to: &output)
        case .number(let text): output.append(contentsOf: text.utf8)
        case .bool(let value): output.append(contentsOf: (value ? "true" : "false").utf8)
        case .null: output.append(contentsOf: "null".utf8)
        }
    }
}
