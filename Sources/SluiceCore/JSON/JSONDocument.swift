/// Whole JSON documents checked with ``JSONScanner``, which reads objects: an array is read as
/// the one member of an object written around it.
public enum JSONDocument {
    /// The elements of `bytes`, each as its own bytes, when it is one valid JSON array; nil otherwise.
    public static func arrayElements(_ bytes: [UInt8]) -> [[UInt8]]? {
        let wrapped = Array(#"{"items":"#.utf8) + bytes + [UInt8(ascii: "}")]
        return wrapped.withUnsafeBytes { wrapped -> [[UInt8]]? in
            guard let members = try? JSONScanner.topLevelMembers(of: wrapped), members.count == 1, members[0].kind == .array else { return nil }
            return JSONScanner.elements(of: wrapped, arrayAt: members[0].value).map { Array(wrapped[$0]) }
        }
    }

    /// Whether `bytes` is one valid JSON object.
    public static func isObject(_ bytes: [UInt8]) -> Bool {
        (try? bytes.withUnsafeBytes { try JSONScanner.topLevelMembers(of: $0) }) != nil
    }
}
