import SluiceCore

/// Collects stream bytes that arrive in arbitrary pieces and hands out the data of complete
/// server-sent events, holding back an event until its blank-line terminator has arrived.
struct SSEEventBuffer {
    /// An event may not grow past this without ending; a stream that does is garbage.
    static let maximumEventBytes = 4 << 20

    private var pending: [UInt8] = []

    /// Appends `bytes` and calls `body` with the data (the `data:` lines joined) of each event
    /// they complete, in order. Events without data, such as comments, are skipped.
    mutating func append(
        _ bytes: some Collection<UInt8>, _ body: (UnsafeRawBufferPointer) throws(TranslationError) -> Void
    ) throws(TranslationError) {
        // Only the new bytes (and the line break they may complete) can end the pending event.
        var searchFrom = max(0, self.pending.count - 3)
        self.pending.append(contentsOf: bytes)
        let consumed = try self.pending.withUnsafeBytes { raw in
            Result { () throws(TranslationError) -> Int in
                var start = 0
                while let (end, next) = SSEFraming.nextEventEnd(in: raw, from: searchFrom) {
                    let event = UnsafeRawBufferPointer(rebasing: raw[start..<end])
                    let fields = SSEFraming.parse(event)
                    if fields.dataLines.count == 1 {
                        try body(UnsafeRawBufferPointer(rebasing: event[fields.dataLines[0]]))
                    } else if !fields.dataLines.isEmpty {
                        try fields.data(in: event).withUnsafeBytes { data in Result { () throws(TranslationError) in try body(data) } }.get()
                    }
                    start = next
                    searchFrom = next
                }
                return start
            }
        }.get()
        self.pending.removeFirst(consumed)
        guard self.pending.count <= Self.maximumEventBytes else {
            throw TranslationError.upstreamInvalid("a stream event exceeded \(Self.maximumEventBytes) bytes")
        }
    }
}
