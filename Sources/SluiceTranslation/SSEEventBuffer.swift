import SluiceCore

/// Collects stream bytes that arrive in arbitrary pieces and hands out complete server-sent
/// events, holding back an event until its blank-line terminator has arrived.
struct SSEEventBuffer {
    /// One complete event: its `event:` name and its joined `data:` lines.
    struct Event {
        var name: String?
        var data: [UInt8]
    }

    /// An event may not grow past this without ending; a stream that does is garbage.
    static let maximumEventBytes = 4 << 20

    private var pending: [UInt8] = []

    /// Whether bytes of an unfinished event are waiting.
    var hasPartialEvent: Bool { !self.pending.isEmpty }

    /// Appends `bytes` and returns the events they complete.
    mutating func append(_ bytes: some Collection<UInt8>) throws(TranslationError) -> [Event] {
        // Only the new bytes (and the line break they may complete) can end the pending event.
        var searchFrom = max(0, self.pending.count - 3)
        self.pending.append(contentsOf: bytes)
        var events: [Event] = []
        let consumed = self.pending.withUnsafeBytes { raw in
            var start = 0
            while let (end, next) = SSEFraming.nextEventEnd(in: raw, from: searchFrom) {
                let event = UnsafeRawBufferPointer(rebasing: raw[start..<end])
                let fields = SSEFraming.parse(event)
                if !fields.dataLines.isEmpty {
                    events.append(Event(name: fields.name, data: fields.data(in: event)))
                }
                start = next
                searchFrom = next
            }
            return start
        }
        self.pending.removeFirst(consumed)
        guard self.pending.count <= Self.maximumEventBytes else {
            throw TranslationError.upstreamInvalid("a stream event exceeded \(Self.maximumEventBytes) bytes")
        }
        return events
    }
}
