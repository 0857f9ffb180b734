import SluiceCore

/// The items of stored responses, cut out of their JSON without decoding them: the elements of
/// a turn's input array, and the elements of a response object's `output`. Both documents were
/// checked when saved (and again when read from the store).
enum ResponseItems {
    /// Each element of a JSON array, as its own bytes.
    static func elements(ofArray array: [UInt8]) -> [[UInt8]] {
        // The scanner reads objects: the array is read as the one member of an object around it.
        let wrapped = Array(#"{"items":"#.utf8) + array + [UInt8(ascii: "}")]
        return wrapped.withUnsafeBytes { bytes in
            guard let members = try? JSONScanner.topLevelMembers(of: bytes), members.count == 1, members[0].kind == .array else { return [] }
            return JSONScanner.elements(of: bytes, arrayAt: members[0].value).map { Array(bytes[$0]) }
        }
    }

    /// Each item of a response object's `output`; none when it has no output array.
    static func output(ofResponse response: [UInt8]) -> [[UInt8]] {
        response.withUnsafeBytes { bytes in
            guard let output = try? JSONScanner.topLevelMembers(of: bytes).member("output"), output.kind == .array else { return [] }
            return JSONScanner.elements(of: bytes, arrayAt: output.value).map { Array(bytes[$0]) }
        }
    }

    /// Whether `bytes` is one JSON array.
    static func isArray(_ bytes: [UInt8]) -> Bool {
        let wrapped = Array(#"{"items":"#.utf8) + bytes + [UInt8(ascii: "}")]
        let members = try? wrapped.withUnsafeBytes { try JSONScanner.topLevelMembers(of: $0) }
        return members?.count == 1 && members?[0].kind == .array
    }

    /// Whether `bytes` is one JSON object.
    static func isObject(_ bytes: [UInt8]) -> Bool {
        (try? bytes.withUnsafeBytes { try JSONScanner.topLevelMembers(of: $0) }) != nil
    }
}
