/// Reads AWS event-stream messages out of bytes that arrive split anywhere.
///
/// Each message is a 12-byte prelude (total length, headers length, both big-endian `UInt32`,
/// then the prelude's CRC32), the headers, the payload and the CRC32 of everything before it.
/// Both checksums are verified; a mismatch ends the stream with an error.
public struct EventStreamDecoder: Sendable {
    /// AWS caps a message at 16 MiB; anything longer is a corrupt length.
    static let maximumMessageLength = 16 * 1024 * 1024
    private static let preludeLength = 12
    private static let checksumLength = 4

    private var buffer: [UInt8] = []
    private var consumed = 0

    public init() {}

    /// True while bytes of an unfinished message are held.
    public var holdsPartialMessage: Bool { self.consumed < self.buffer.count }

    /// The messages `bytes` completes, in order.
    public mutating func messages(appending bytes: some Sequence<UInt8>) throws(EventStreamError) -> [EventStreamMessage] {
        if self.consumed > 0 {
            self.buffer.removeFirst(self.consumed)
            self.consumed = 0
        }
        self.buffer.append(contentsOf: bytes)
        var messages: [EventStreamMessage] = []
        while let message = try self.nextMessage() { messages.append(message) }
        return messages
    }

    private mutating func nextMessage() throws(EventStreamError) -> EventStreamMessage? {
        let start = self.consumed
        guard self.buffer.count - start >= Self.preludeLength else { return nil }
        let totalLength = Int(self.uint32(at: start))
        let headersLength = Int(self.uint32(at: start + 4))
        guard CRC32.checksum(self.buffer[start..<start + 8]) == self.uint32(at: start + 8) else {
            throw .preludeChecksumMismatch
        }
        guard totalLength <= Self.maximumMessageLength,
            totalLength >= Self.preludeLength + headersLength + Self.checksumLength
        else { throw .malformed("lengths \(totalLength) and \(headersLength) do not fit together") }
        guard self.buffer.count - start >= totalLength else { return nil }

        let checksumStart = start + totalLength - Self.checksumLength
        guard CRC32.checksum(self.buffer[start..<checksumStart]) == self.uint32(at: checksumStart) else {
            throw .messageChecksumMismatch
        }
        let headersStart = start + Self.preludeLength
        let headers = try Self.headers(self.buffer[headersStart..<headersStart + headersLength])
        let payload = Array(self.buffer[headersStart + headersLength..<checksumStart])
        self.consumed = start + totalLength
        return EventStreamMessage(headers: headers, payload: payload)
    }

    private func uint32(at index: Int) -> UInt32 {
        self.buffer[index..<index + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }

    private static func headers(_ bytes: ArraySlice<UInt8>) throws(EventStreamError) -> [String: EventStreamMessage.HeaderValue] {
        var reader = HeaderReader(bytes: bytes)
        var headers: [String: EventStreamMessage.HeaderValue] = [:]
        while !reader.isAtEnd {
            let name = String(decoding: try reader.take(Int(try reader.integer(of: 1))), as: UTF8.self)
            headers[name] = try reader.value()
        }
        return headers
    }

    /// Walks the header block: name length, name, value type, value.
    private struct HeaderReader {
        var bytes: ArraySlice<UInt8>

        var isAtEnd: Bool { self.bytes.isEmpty }

        mutating func take(_ count: Int) throws(EventStreamError) -> ArraySlice<UInt8> {
            guard self.bytes.count >= count else { throw .malformed("a header runs past its block") }
            defer { self.bytes = self.bytes.dropFirst(count) }
            return self.bytes.prefix(count)
        }

        mutating func integer(of width: Int) throws(EventStreamError) -> UInt64 {
            try self.take(width).reduce(0) { $0 << 8 | UInt64($1) }
        }

        mutating func value() throws(EventStreamError) -> EventStreamMessage.HeaderValue {
            switch try self.integer(of: 1) {
            case 0: return .bool(true)
            case 1: return .bool(false)
            case 2: return .byte(Int8(truncatingIfNeeded: try self.integer(of: 1)))
            case 3: return .short(Int16(truncatingIfNeeded: try self.integer(of: 2)))
            case 4: return .integer(Int32(truncatingIfNeeded: try self.integer(of: 4)))
            case 5: return .long(Int64(bitPattern: try self.integer(of: 8)))
            case 6: return .bytes(Array(try self.take(Int(try self.integer(of: 2)))))
            case 7: return .string(String(decoding: try self.take(Int(try self.integer(of: 2))), as: UTF8.self))
            case 8: return .timestamp(Int64(bitPattern: try self.integer(of: 8)))
            case 9: return .uuid(Array(try self.take(16)))
            case let type: throw .malformed("header value type \(type) is not defined")
            }
        }
    }
}
