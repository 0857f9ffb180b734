import NIOCore
import SluiceCore

/// What a relay does with one complete server-sent event.
enum SSEEventAction: Equatable {
    /// Forward the event as it came.
    case keep
    /// Leave the event (and its terminating blank line) out.
    case drop
    /// Forward these bytes in place of the event; its terminating blank line follows as it came.
    case replace([UInt8])
}

/// Decides, event by event, what a stream's client gets, and notes what it needs on the way.
protocol SSEEventFilter {
    /// - Parameter event: one complete event, without its terminating blank line.
    mutating func filter(_ event: UnsafeRawBufferPointer) throws(GatewayError) -> SSEEventAction
}

/// Relays a server-sent event stream through a ``SSEEventFilter``: the upstream's chunks are cut
/// into complete events wherever they were split, and what the filter keeps is forwarded as
/// slices of the upstream's own buffers, copied only where an event is dropped or replaced. A
/// partial event waits for the rest of its bytes, up to ``maximumEventBytes``.
struct SSEEventRelay<Filter: SSEEventFilter> {
    var filter: Filter
    private var carry = ByteBuffer()
    /// How many carried bytes were already searched for an event's end, so that an event
    /// arriving in many small chunks is searched once rather than once per chunk.
    private var carrySearched = 0

    /// An event may not grow past this without ending; a stream that does is garbage.
    static var maximumEventBytes: Int { 4 << 20 }

    init(filter: Filter) {
        self.filter = filter
    }

    /// Whether bytes of an unfinished event are waiting for the rest.
    var isCarrying: Bool { self.carry.readableBytes > 0 }

    /// Forgets the unfinished event, for a stream that goes on from another upstream.
    mutating func dropCarried() {
        self.carry = ByteBuffer()
        self.carrySearched = 0
    }

    /// Takes the next upstream bytes and returns what to send the client now (possibly nothing).
    /// - Throws: what the filter throws, or ``GatewayError`` when an event outgrows ``maximumEventBytes``.
    mutating func relay(_ chunk: ByteBuffer) throws(GatewayError) -> ByteBuffer {
        var input = chunk
        // A blank line split across chunks ("\r\n" | "\r\n") is found again from a few bytes back.
        var searchFrom = 0
        if self.carry.readableBytes > 0 {
            searchFrom = max(0, self.carrySearched - 3)
            self.carry.writeImmutableBuffer(chunk)
            input = self.carry
            self.carry = ByteBuffer()
        }
        var output: ByteBuffer?
        var copied = 0
        var start = 0
        var failure: GatewayError?
        input.withUnsafeReadableBytes { bytes in
            while let (end, next) = SSEFraming.nextEventEnd(in: bytes, from: max(start, searchFrom)) {
                let action: SSEEventAction
                do throws(GatewayError) {
                    action = try self.filter.filter(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
                } catch {
                    failure = error
                    return
                }
                if case .keep = action {
                    start = next
                    continue
                }
                var rebuilt = output ?? ByteBufferAllocator().buffer(capacity: bytes.count + 64)
                rebuilt.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[copied..<start]))
                if case .replace(let replacement) = action {
                    rebuilt.writeBytes(replacement)
                    copied = end
                } else {
                    copied = next
                }
                output = rebuilt
                start = next
            }
        }
        if let failure { throw failure }
        let completeEnd = start
        if completeEnd < input.readableBytes {
            guard input.readableBytes - completeEnd <= Self.maximumEventBytes else {
                throw GatewayError.upstreamFailed("a stream event exceeded \(Self.maximumEventBytes) bytes")
            }
            self.carry = input.getSlice(at: input.readerIndex + completeEnd, length: input.readableBytes - completeEnd)!
            self.carrySearched = self.carry.readableBytes
        }
        guard var rebuilt = output else {
            return input.getSlice(at: input.readerIndex, length: completeEnd)!
        }
        rebuilt.writeImmutableBuffer(input.getSlice(at: input.readerIndex + copied, length: completeEnd - copied)!)
        return rebuilt
    }
}
