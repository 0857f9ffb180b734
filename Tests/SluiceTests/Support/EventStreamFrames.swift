import Foundation

@testable import SluiceProviders

/// Builds AWS event-stream messages the way Bedrock sends them: string headers, a JSON payload,
/// both CRC32s.
enum EventStreamFrames {
    static func message(headers: [(String, String)], payload: [UInt8]) -> [UInt8] {
        var headerBytes: [UInt8] = []
        for (name, value) in headers {
            headerBytes.append(UInt8(name.utf8.count))
            headerBytes += Array(name.utf8)
            headerBytes.append(7)
            headerBytes += bigEndian(UInt16(value.utf8.count))
            headerBytes += Array(value.utf8)
        }
        let totalLength = 12 + headerBytes.count + payload.count + 4
        var message = bigEndian(UInt32(totalLength)) + bigEndian(UInt32(headerBytes.count))
        message += bigEndian(CRC32.checksum(message))
        message += headerBytes + payload
        message += bigEndian(CRC32.checksum(message))
        return message
    }

    /// A ConverseStream event: `{"contentBlockDelta": …}` is sent as an event named
    /// `contentBlockDelta` whose payload is the inner object.
    static func event(_ type: String, _ json: String) -> [UInt8] {
        message(
            headers: [(":event-type", type), (":content-type", "application/json"), (":message-type", "event")],
            payload: Array(json.utf8))
    }

    static func exception(_ type: String, message text: String) -> [UInt8] {
        message(
            headers: [(":exception-type", type), (":content-type", "application/json"), (":message-type", "exception")],
            payload: Array(#"{"message":"\#(text)"}"#.utf8))
    }

    private static func bigEndian<Integer: FixedWidthInteger>(_ value: Integer) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian, Array.init)
    }
}
