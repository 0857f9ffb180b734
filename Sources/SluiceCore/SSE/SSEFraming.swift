/// Server-sent event framing (the WHATWG `text/event-stream` format): where events end and
/// what their `event:` and `data:` fields hold. Pure byte work, no I/O.
public enum SSEFraming {
    /// The end of the first complete event at or after `start`: the index where its blank-line
    /// terminator begins, and the index just past that terminator.
    public static func nextEventEnd(in bytes: UnsafeRawBufferPointer, from start: Int) -> (end: Int, next: Int)? {
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0A || byte == 0x0D {
                let firstBreak = Self.lineBreakLength(bytes, at: index)
                guard firstBreak > 0 else { return nil }
                let second = index + firstBreak
                if second < bytes.count, bytes[second] == 0x0A || bytes[second] == 0x0D {
                    let secondBreak = Self.lineBreakLength(bytes, at: second)
                    guard secondBreak > 0 else { return nil }
                    return (index, second + secondBreak)
                }
                index = second
            } else {
                index += 1
            }
        }
        return nil
    }

    /// Length of the line break at `index` (1 or 2), or 0 when a lone `\r` ends the buffer and the
    /// next byte could still be its `\n`.
    private static func lineBreakLength(_ bytes: UnsafeRawBufferPointer, at index: Int) -> Int {
        guard bytes[index] == 0x0D else { return 1 }
        guard index + 1 < bytes.count else { return 0 }
        return bytes[index + 1] == 0x0A ? 2 : 1
    }

    /// The fields of one event (its bytes without the terminating blank line).
    public static func parse(_ event: UnsafeRawBufferPointer) -> SSEEvent {
        var result = SSEEvent()
        var lineStart = 0
        while lineStart < event.count {
            var lineEnd = lineStart
            while lineEnd < event.count, event[lineEnd] != 0x0A, event[lineEnd] != 0x0D { lineEnd += 1 }
            result.addField(line: lineStart..<lineEnd, in: event)
            lineStart = lineEnd
            if lineStart < event.count, event[lineStart] == 0x0D { lineStart += 1 }
            if lineStart < event.count, event[lineStart] == 0x0A { lineStart += 1 }
        }
        return result
    }
}

/// The fields of one server-sent event that the gateway acts on.
public struct SSEEvent: Sendable, Equatable {
    /// The `event:` field, when present.
    public var name: String?
    /// Byte ranges of each `data:` line's value, in order.
    public var dataLines: [Range<Int>] = []

    public init(name: String? = nil, dataLines: [Range<Int>] = []) {
        self.name = name
        self.dataLines = dataLines
    }

    mutating func addField(line: Range<Int>, in event: UnsafeRawBufferPointer) {
        guard !line.isEmpty, event[line.lowerBound] != UInt8(ascii: ":") else { return }
        var colon = line.lowerBound
        while colon < line.upperBound, event[colon] != UInt8(ascii: ":") { colon += 1 }
        var valueStart = min(colon + 1, line.upperBound)
        if valueStart < line.upperBound, event[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        let field = UnsafeRawBufferPointer(rebasing: event[line.lowerBound..<colon])
        if field.elementsEqual("data".utf8) {
            self.dataLines.append(valueStart..<line.upperBound)
        } else if field.elementsEqual("event".utf8) {
            self.name = String(decoding: UnsafeRawBufferPointer(rebasing: event[valueStart..<line.upperBound]), as: UTF8.self)
        }
    }

    /// The event's data: its `data:` lines joined by line feeds, as the SSE format defines.
    public func data(in event: UnsafeRawBufferPointer) -> [UInt8] {
        var joined: [UInt8] = []
        for (index, line) in self.dataLines.enumerated() {
            if index > 0 { joined.append(0x0A) }
            joined.append(contentsOf: UnsafeRawBufferPointer(rebasing: event[line]))
        }
        return joined
    }
}
