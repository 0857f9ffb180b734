import Foundation

/// Python's `json` module as a strict RFC 8259 reference (`Tests/JSONReference/json_reference.py`):
/// Foundation's parsers accept trailing commas, so they cannot be one.
enum JSONReferenceParser {
    /// What the reference made of one document.
    struct Verdict {
        var isObject: Bool
        var depth: Int
        /// Per key (a repeated key keeps its last value): its kind, a string's text, an integer's
        /// digits. Nil when a key holds an unpaired surrogate.
        var members: [String: (kind: String, text: String?)]?
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// One verdict per document; nil for a refused one.
    static func parse(_ documents: [[UInt8]]) async throws -> [Verdict?] {
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-json-reference-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: input) }
        try documents.map { Data($0).base64EncodedString() + "\n" }.joined().write(to: input, atomically: true, encoding: .utf8)
        let result = try await SDKTests.runPython(["Tests/JSONReference/json_reference.py", input.path])
        guard result.status == 0, let verdicts = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [Any] else {
            throw Failure(description: "the reference parser failed (is python3 installed?): \(result.output.prefix(500))")
        }
        return verdicts.map { entry in
            guard let entry = entry as? [String: Any] else { return nil }
            let members = (entry["members"] as? [String: [Any]])?.mapValues { pair in
                (kind: pair.first as? String ?? "", text: pair.last as? String)
            }
            return Verdict(isObject: entry["top"] as? String == "object", depth: entry["depth"] as? Int ?? 0, members: members)
        }
    }
}
