import SluiceCore

/// The two JSON columns of a stored response, checked when read back: the input items must be
/// one JSON array and the response one JSON object, or the row cannot be read (a value written
/// by hand or by another program must not reach a client or an upstream as if the gateway had
/// made it).
enum StoredResponseJSON {
    static func checkedArray(_ bytes: [UInt8], column: String) throws -> [UInt8] {
        // The scanner validates objects: the array is checked as the one member of an object around it.
        let wrapped = Array(#"{"items":"#.utf8) + bytes + [UInt8(ascii: "}")]
        let members = try? wrapped.withUnsafeBytes { try JSONScanner.topLevelMembers(of: $0) }
        guard let members, members.count == 1, members[0].kind == .array else { throw StoredValueError(column: column, text: String(decoding: bytes.prefix(200), as: UTF8.self)) }
        return bytes
    }

    static func checkedObject(_ bytes: [UInt8], column: String) throws -> [UInt8] {
        guard (try? bytes.withUnsafeBytes({ try JSONScanner.topLevelMembers(of: $0) })) != nil else {
            throw StoredValueError(column: column, text: String(decoding: bytes.prefix(200), as: UTF8.self))
        }
        return bytes
    }
}
