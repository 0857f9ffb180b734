import FuzzSupport
import SluiceTranslation

// EventStreamDecoder.swift, EventStreamMessage.swift, EventStreamError.swift and CRC32.swift are
// links to SluiceProviders' own files: that module (BoringSSL, NIO) is too heavy to build with
// sanitizers in CI's budget, and these four files need nothing from it.

/// AWS event-stream framing (`EventStreamDecoder`), as Bedrock's ConverseStream sends it, and the
/// translation of the decoded events to OpenAI chat completion chunks (`BedrockStreamToOpenAI`),
/// as `BedrockChunkStream` drives it.
///
/// Every input is decoded twice: as it is, and with both CRC32s of each frame it declares
/// rewritten to match, so that mutations reach the headers and payloads behind the checksums.
/// Asserts:
/// - frames arriving in pieces decode to the same messages, or fail with the same error, as
///   arriving whole; and the decoder holds a partial message exactly when bytes are left over;
/// - every event the translator writes for the messages carries a JSON object, or `[DONE]`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = bytes(data, size)
    for stream in [input, withChecksumsFixed(input)] {
        let whole = decode([stream[...]])
        let split = decode(pieces(of: stream))
        check(whole.messages == split.messages && whole.error == split.error && whole.holdsPartial == split.holdsPartial,
              "decoding in pieces differs: \(whole) vs \(split)")
        if whole.error == nil { translate(whole.messages) }
    }
    return 0
}

private struct Decoded: Equatable {
    var messages: [EventStreamMessage] = []
    var error: EventStreamError?
    var holdsPartial = false
}

private func decode(_ chunks: [ArraySlice<UInt8>]) -> Decoded {
    var decoder = EventStreamDecoder()
    var decoded = Decoded()
    for chunk in chunks {
        do {
            decoded.messages += try decoder.messages(appending: chunk)
        } catch {
            decoded.error = error
            // Messages completed by the same call are lost with the error; compare what precedes it.
            decoded.messages = []
            return decoded
        }
    }
    decoded.holdsPartial = decoder.holdsPartialMessage
    return decoded
}

private func translate(_ messages: [EventStreamMessage]) {
    var translator = BedrockStreamToOpenAI(id: "chatcmpl-1", publicModel: "m", created: 1, includeUsage: true)
    var output: [UInt8] = []
    for message in messages {
        if message.messageType == "event", let type = message.eventType {
            guard let events = try? translator.translate(eventType: type, payload: message.payload) else { return }
            output += events
        } else if message.messageType == "exception" || message.messageType == "error" {
            output += translator.translate(exceptionType: message.exceptionType ?? "", payload: message.payload)
        }
    }
    output += translator.upstreamEnded()
    checkEventsCarryJSON(output, utf8: false, allowsDone: true, "the OpenAI stream from a ConverseStream")
}

/// `bytes` with each frame's prelude and message CRC32 set to what its bytes give, the frames
/// walked by the lengths they declare (cut to what is there).
private func withChecksumsFixed(_ bytes: [UInt8]) -> [UInt8] {
    var fixed = bytes
    var start = 0
    while fixed.count - start >= 16 {
        let declared = Int(fixed[start..<start + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        let total = max(16, min(declared, fixed.count - start))
        store(CRC32.checksum(fixed[start..<start + 8]), in: &fixed, at: start + 8)
        store(CRC32.checksum(fixed[start..<start + total - 4]), in: &fixed, at: start + total - 4)
        start += total
    }
    return fixed
}

private func store(_ value: UInt32, in bytes: inout [UInt8], at index: Int) {
    for offset in 0..<4 { bytes[index + offset] = UInt8(truncatingIfNeeded: value >> (24 - 8 * offset)) }
}
