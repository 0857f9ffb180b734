/// The kind of a JSON value, as seen by ``JSONScanner``.
public enum JSONValueKind: Sendable, Equatable {
    case object, array, string, number, bool, null
}

/// One member of a JSON object: its decoded key and the byte range of its value.
public struct JSONMember: Sendable, Equatable {
    public var key: String
    public var value: Range<Int>
    public var kind: JSONValueKind

    public init(key: String, value: Range<Int>, kind: JSONValueKind) {
        self.key = key
        self.value = value
        self.kind = kind
    }
}

extension Array where Element == JSONMember {
    /// The last member named `key`; JSON parsers conventionally let a repeated key win.
    public func member(_ key: String) -> JSONMember? {
        self.last { $0.key == key }
    }
}
