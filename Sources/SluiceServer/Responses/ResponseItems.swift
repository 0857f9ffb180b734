import SluiceCore

/// The items of stored responses, cut out of their JSON without decoding them: the elements of
/// a turn's input array, and the elements of a response object's `output`. Both documents were
/// checked when saved (and again when read from the store).
enum ResponseItems {
    /// Each element of a JSON array, as its own bytes.
    static func elements(ofArray array: [UInt8]) -> [[UInt8]] {
        JSONDocument.arrayElements(array) ?? []
    }

    /// Each item of a response object's `output`; none when it has no output array.
    static func output(ofResponse response: [UInt8]) -> [[UInt8]] {
        response.withUnsafeBytes { bytes in
            guard let output = try? JSONScanner.topLevelMembers(of: bytes).member("output"), output.kind == .array else { return [] }
            return JSONScanner.elements(of: bytes, arrayAt: output.value).map { Array(bytes[$0]) }
        }
    }

}
