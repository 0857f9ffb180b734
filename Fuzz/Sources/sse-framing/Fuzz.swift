import FuzzSupport
import SluiceCore

/// Server-sent event framing (`SSEFraming`), which every stream translator and the relay read
/// upstream bytes with.
///
/// Asserts:
/// - bytes that arrive later never change an event already found: the events found in any prefix
///   of the input (ends and restarts alike) are a prefix of those found in the whole input, so a
///   lone `\r` at the end of what has arrived is held until the next byte says whether it is CRLF;
/// - every event lies within the input, and a parsed event's `data:` spans lie within it and
///   hold no line break, nor does its `event:` name.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = bytes(data, size)
    let whole = events(in: input[...])
    // At most 64 prefixes, spread over the cuts, so that a long input stays fast to check.
    let cuts = pieces(of: input).map(\.endIndex)
    for arrived in stride(from: 0, to: cuts.count, by: max(1, cuts.count / 64)).map({ cuts[$0] }) {
        let found = events(in: input[..<arrived])
        check(found.count <= whole.count && zip(found, whole).allSatisfy { $0 == $1 }, "the first \(arrived) bytes frame events \(found), the whole input \(whole)")
    }
    input.withUnsafeBytes { raw in
        for (end, next) in whole {
            check(end < next && next <= raw.count, "an event ends at \(end) and the next starts at \(next) in \(raw.count) bytes")
        }
        var start = 0
        for (end, next) in whole {
            let event = UnsafeRawBufferPointer(rebasing: raw[start..<end])
            let fields = SSEFraming.parse(event)
            for line in fields.dataLines {
                check(line.lowerBound >= 0 && line.upperBound <= event.count, "a data line \(line) outside an event of \(event.count) bytes")
                check(!event[line].contains(0x0A) && !event[line].contains(0x0D), "a data line holds a line break")
            }
            if let name = fields.name { check(!name.utf8.contains(0x0A) && !name.utf8.contains(0x0D), "an event name holds a line break") }
            start = next
        }
    }
    return 0
}

/// The (end, next) of every complete event in `bytes`, found as a reader of a growing buffer finds them.
private func events(in bytes: ArraySlice<UInt8>) -> [(end: Int, next: Int)] {
    Array(bytes).withUnsafeBytes { raw in
        var found: [(end: Int, next: Int)] = []
        var start = 0
        while let event = SSEFraming.nextEventEnd(in: raw, from: start) {
            found.append(event)
            start = event.next
        }
        return found
    }
}
