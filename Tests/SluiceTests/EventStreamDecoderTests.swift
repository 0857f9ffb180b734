import Foundation
import Testing

@testable import SluiceProviders

@Suite("The AWS event-stream decoder")
struct EventStreamDecoderTests {
    static let frames =
        EventStreamFrames.event("messageStart", #"{"role":"assistant"}"#)
        + EventStreamFrames.event("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"text":"Hi"}}"#)
        + EventStreamFrames.exception("throttlingException", message: "Too many requests")

    @Test func crc32IsTheIEEEChecksum() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
    }

    @Test func readsEventsAndExceptionsWithTheirHeaders() throws {
        var decoder = EventStreamDecoder()
        let messages = try decoder.messages(appending: Self.frames)
        #expect(messages.map(\.eventType) == ["messageStart", "contentBlockDelta", nil])
        #expect(messages.map(\.messageType) == ["event", "event", "exception"])
        #expect(messages[2].exceptionType == "throttlingException")
        #expect(String(decoding: messages[1].payload, as: UTF8.self)
            == #"{"contentBlockIndex":0,"delta":{"text":"Hi"}}"#)
        #expect(messages[0].headers[":content-type"] == .string("application/json"))
        #expect(!decoder.holdsPartialMessage)
    }

    @Test func bytesSplitAtEveryOffsetGiveTheSameMessages() throws {
        var whole = EventStreamDecoder()
        let expected = try whole.messages(appending: Self.frames)
        for split in 0...Self.frames.count {
            var decoder = EventStreamDecoder()
            var messages = try decoder.messages(appending: Self.frames[..<split])
            messages += try decoder.messages(appending: Self.frames[split...])
            #expect(messages == expected, "split at \(split)")
        }
        var byteByByte = EventStreamDecoder()
        var messages: [EventStreamMessage] = []
        for byte in Self.frames {
            messages += try byteByByte.messages(appending: [byte])
        }
        #expect(messages == expected)
    }

    @Test func aCorruptPayloadFailsTheMessageChecksum() {
        var frame = EventStreamFrames.event("messageStop", #"{"stopReason":"end_turn"}"#)
        frame[frame.count - 8] ^= 0x01
        var decoder = EventStreamDecoder()
        #expect(throws: EventStreamError.messageChecksumMismatch) { try decoder.messages(appending: frame) }
    }

    @Test func aCorruptLengthFailsThePreludeChecksum() {
        var frame = EventStreamFrames.event("messageStop", #"{"stopReason":"end_turn"}"#)
        frame[3] ^= 0x01
        var decoder = EventStreamDecoder()
        #expect(throws: EventStreamError.preludeChecksumMismatch) { try decoder.messages(appending: frame) }
    }

    @Test func readsEveryHeaderValueType() throws {
        var headers: [UInt8] = []
        func header(_ name: String, _ type: UInt8, _ value: [UInt8]) {
            headers += [UInt8(name.utf8.count)] + Array(name.utf8) + [type] + value
        }
        header("t", 0, [])
        header("f", 1, [])
        header("b", 2, [0xFF])
        header("s", 3, [0x01, 0x02])
        header("i", 4, [0, 0, 0x01, 0x00])
        header("l", 5, [0, 0, 0, 0, 0, 0, 0, 0x2A])
        header("y", 6, [0, 2, 0xAB, 0xCD])
        header("ts", 8, [0, 0, 0x01, 0x8B, 0xCF, 0xE5, 0x68, 0x00])
        header("u", 9, Array(repeating: 0x11, count: 16))
        let totalLength = 12 + headers.count + 4
        var message = Self.bigEndian(UInt32(totalLength)) + Self.bigEndian(UInt32(headers.count))
        message += Self.bigEndian(CRC32.checksum(message)) + headers
        message += Self.bigEndian(CRC32.checksum(message))

        var decoder = EventStreamDecoder()
        let decoded = try #require(try decoder.messages(appending: message).first)
        #expect(decoded.headers == [
            "t": .bool(true), "f": .bool(false), "b": .byte(-1), "s": .short(0x0102), "i": .integer(256),
            "l": .long(42), "y": .bytes([0xAB, 0xCD]), "ts": .timestamp(0x018B_CFE5_6800),
            "u": .uuid(Array(repeating: 0x11, count: 16)),
        ])
        #expect(decoded.payload.isEmpty)
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian, Array.init)
    }
}
