import SluiceCore

/// The two JSON columns of a stored response, checked when read back: the input items must be
/// one JSON array and the response one JSON object, or the row cannot be read (a value written
/// by hand or by another program must not reach a client or an upstream as if the gateway had
/// made it).
enum StoredResponseJSON {
    static func checkedArray(_ bytes: [UInt8], column: String) throws -> [UInt8] {
        guard JSONDocument.arrayElements(bytes) != nil else { throw StoredValueError(column: column, text: String(decoding: bytes.prefix(200), as: UTF8.self)) }
        return bytes
    }

    static func checkedObject(_ bytes: [UInt8], column: String) throws -> [UInt8] {
        guard JSONDocument.isObject(bytes) else {
            throw StoredValueError(column: column, text: String(decoding: bytes.prefix(200), as: UTF8.self))
        }
        return bytes
    }
}
