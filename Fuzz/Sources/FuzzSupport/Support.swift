import SluiceCore

/// Stops the run with `message`: libFuzzer reports the abort as a crash and saves the input.
public func violation(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    fatalError("contract violated: \(message)", file: file, line: line)
}

public func check(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
    if !condition { violation(message(), file: file, line: line) }
}

/// The input as bytes, copied out of libFuzzer's buffer.
public func bytes(_ data: UnsafePointer<UInt8>, _ size: Int) -> [UInt8] {
    Array(UnsafeBufferPointer(start: data, count: size))
}

/// Whether `bytes` are well-formed UTF-8.
public func isUTF8(_ bytes: some Collection<UInt8>) -> Bool {
    var decoder = UTF8()
    var iterator = bytes.makeIterator()
    while true {
        switch decoder.decode(&iterator) {
        case .scalarValue: continue
        case .emptyInput: return true
        case .error: return false
        }
    }
}

/// `bytes` cut into pieces at points chosen from their own hash, so that a crashing input
/// reproduces with the same cuts. Pieces run from 1 byte (a split inside every token) upwards.
public func pieces(of bytes: [UInt8]) -> [ArraySlice<UInt8>] {
    var state: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in bytes { state = (state ^ UInt64(byte)) &* 0x100_0000_01B3 }
    var pieces: [ArraySlice<UInt8>] = []
    var start = 0
    while start < bytes.count {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let draw = Int(truncatingIfNeeded: state >> 33)
        let length = draw % 4 == 0 ? 1 + draw % 64 : 1 + draw % 7
        let end = min(bytes.count, start + length)
        pieces.append(bytes[start..<end])
        start = end
    }
    return pieces
}

/// Checks that `bytes` are one JSON object (RFC 8259, as the gateway's scanner validates it) and,
/// when `utf8` is set, well-formed UTF-8.
public func checkJSONObject(_ bytes: [UInt8], utf8: Bool, _ what: @autoclosure () -> String) {
    if case .failure(let error) = scanObject(bytes) {
        violation("\(what()) is not a JSON object (\(error.reason)): \(String(decoding: bytes.prefix(400), as: UTF8.self))")
    }
    if utf8 { check(isUTF8(bytes), "\(what()) is not UTF-8") }
}

/// One server-sent event of a translator's output.
public struct OutputEvent: Equatable {
    public var name: String?
    public var data: [UInt8]
}

/// The events of a translator's SSE output, which must consist of whole events only.
public func outputEvents(_ output: [UInt8], _ what: @autoclosure () -> String) -> [OutputEvent] {
    output.withUnsafeBytes { raw in
        var events: [OutputEvent] = []
        var start = 0
        while let (end, next) = SSEFraming.nextEventEnd(in: raw, from: start) {
            let event = UnsafeRawBufferPointer(rebasing: raw[start..<end])
            let fields = SSEFraming.parse(event)
            events.append(OutputEvent(name: fields.name, data: fields.data(in: event)))
            start = next
        }
        check(start == raw.count, "\(what()) ends in an unfinished event: \(String(decoding: output[start...].prefix(200), as: UTF8.self))")
        return events
    }
}

/// Checks that every event of `output` carries a JSON object, or `[DONE]` where `allowsDone`.
public func checkEventsCarryJSON(_ output: [UInt8], utf8: Bool, allowsDone: Bool, _ what: @autoclosure () -> String) {
    for event in outputEvents(output, what()) {
        if allowsDone, event.data.elementsEqual("[DONE]".utf8) { continue }
        checkJSONObject(event.data, utf8: utf8, "an event's data in \(what())")
    }
}

/// The top-level members of `bytes`, or why they are not one JSON object.
public func scanObject(_ bytes: some Collection<UInt8>) -> Result<[JSONMember], JSONSyntaxError> {
    Array(bytes).withUnsafeBytes { raw in Result { () throws(JSONSyntaxError) in try JSONScanner.topLevelMembers(of: raw) } }
}

/// Runs a stream translator over `input` twice, fed whole and fed in ``pieces(of:)``, and checks
/// that the pieces make no difference: both fail, or both write the same bytes. Returns what the
/// whole run wrote (`finish` included), or nil when it failed.
///
/// `masked` hides what differs between runs by design (ids drawn at random).
public func translateBothWays<Translator>(
    _ input: [UInt8], _ what: String, start: () -> Translator,
    feed: (inout Translator, ArraySlice<UInt8>) throws -> [UInt8], finish: (inout Translator) -> [UInt8],
    masked: ([UInt8]) -> [UInt8] = { $0 }
) -> [UInt8]? {
    func run(_ chunks: [ArraySlice<UInt8>]) -> [UInt8]? {
        var translator = start()
        var output: [UInt8] = []
        do {
            for chunk in chunks { output += try feed(&translator, chunk) }
        } catch {
            return nil
        }
        return output + finish(&translator)
    }
    let whole = run([input[...]])
    let split = run(pieces(of: input))
    switch (whole, split) {
    case (nil, nil): return nil
    case (let whole?, let split?):
        check(masked(whole) == masked(split), "\(what) writes other bytes when its input arrives in pieces:\n\(String(decoding: whole.prefix(600), as: UTF8.self))\n---\n\(String(decoding: split.prefix(600), as: UTF8.self))")
        return whole
    default:
        violation("\(what) \(whole == nil ? "fails only when its input arrives whole" : "fails only when its input arrives in pieces")")
    }
}

/// `bytes` with every token of 24 letters and digits that follows `-` or `_` starred out: the
/// random part of the ids the Gemini translators make up (`chatcmpl-…`, `call_…`).
public func maskingRandomIDs(_ bytes: [UInt8]) -> [UInt8] {
    func isAlphanumeric(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }
    var masked = bytes
    var index = 1
    while index < masked.count {
        guard isAlphanumeric(masked[index]), masked[index - 1] == UInt8(ascii: "-") || masked[index - 1] == UInt8(ascii: "_") else {
            index += 1
            continue
        }
        var end = index
        while end < masked.count, isAlphanumeric(masked[end]) { end += 1 }
        if end - index == 24 { masked.replaceSubrange(index..<end, with: repeatElement(UInt8(ascii: "*"), count: 24)) }
        index = end
    }
    return masked
}
