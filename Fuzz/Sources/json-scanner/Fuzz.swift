import FuzzSupport
import SluiceCore
import SluiceTranslation

/// The JSON scanner (`JSONScanner`) and the tree the translators build on it (`JSONValue`).
///
/// Asserts, for every document the scanner accepts:
/// - every member and element span lies inside the document, and rescanning an object member's
///   span with `members(of:objectAt:)` gives what scanning it as a document of its own gives;
/// - `JSONValue` reads it, and its serialisation is a JSON object in UTF-8 that reads back to an
///   equal value and serialises to the same bytes (the round trip the translators rely on).
/// Agreement with an RFC 8259 reference is Tests/SluiceTests/JSONScannerTests.swift's job (Python's
/// parser); Foundation's is no reference, it accepts trailing commas.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let document = bytes(data, size)
    guard case .success(let members) = scanObject(document) else { return 0 }
    document.withUnsafeBytes { raw in checkSpans(members, in: raw, depth: 0) }

    guard let value = try? JSONValue.parseObject(document) else { violation("JSONValue refused a document the scanner accepted") }
    let serialized = value.serialized
    checkJSONObject(serialized, utf8: true, "JSONValue's serialisation")
    guard let reread = try? JSONValue.parseObject(serialized) else { violation("JSONValue refused its own serialisation") }
    check(reread == value, "the serialisation reads back as a different value: \(show(value.serialized)) then \(show(reread.serialized))")
    check(reread.serialized == serialized, "serialising twice changes the bytes")
    return 0
}

/// Checks the spans of `members` and, recursively, of the objects and arrays they hold.
private func checkSpans(_ members: [JSONMember], in raw: UnsafeRawBufferPointer, depth: Int) {
    for member in members {
        check(member.value.lowerBound >= 0 && member.value.upperBound <= raw.count && !member.value.isEmpty, "member '\(member.key)' has span \(member.value)")
        checkValue(member.value, kind: member.kind, in: raw, depth: depth)
    }
}

private func checkValue(_ span: Range<Int>, kind: JSONValueKind, in raw: UnsafeRawBufferPointer, depth: Int) {
    guard depth < 8 else { return }
    switch kind {
    case .object:
        let nested = JSONScanner.members(of: raw, objectAt: span)
        switch scanObject(UnsafeRawBufferPointer(rebasing: raw[span])) {
        case .failure(let error): violation("an accepted document's object at \(span) does not scan alone: \(error.reason)")
        case .success(let alone):
            let shifted = alone.map { JSONMember(key: $0.key, value: ($0.value.lowerBound + span.lowerBound)..<($0.value.upperBound + span.lowerBound), kind: $0.kind) }
            check(shifted == nested, "members(of:objectAt:) differs from scanning the object alone at \(span)")
        }
        checkSpans(nested, in: raw, depth: depth + 1)
    case .array:
        for element in JSONScanner.elements(of: raw, arrayAt: span) {
            check(element.lowerBound >= span.lowerBound && element.upperBound <= span.upperBound && !element.isEmpty, "element span \(element) outside \(span)")
            let first = raw[element.lowerBound]
            if first == UInt8(ascii: "{") { checkValue(element, kind: .object, in: raw, depth: depth + 1) }
            if first == UInt8(ascii: "[") { checkValue(element, kind: .array, in: raw, depth: depth + 1) }
        }
    default:
        return
    }
}

private func show(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self).debugDescription }
