import NIOCore
import NIOHTTP1
import Synchronization

/// A kept-alive HTTP/1.1 connection to an upstream, usable from any task.
final class UpstreamConnection: Sendable {
    let channel: any Channel
    private let handler: NIOLoopBound<UpstreamConnectionHandler>
    private let exchanges = Atomic<Int>(0)

    init(channel: any Channel, handler: UpstreamConnectionHandler) {
        self.channel = channel
        self.handler = NIOLoopBound(handler, eventLoop: channel.eventLoop)
    }

    var isActive: Bool { self.channel.isActive }

    /// Sends one request; cancelling the calling task abandons it and closes the connection.
    func execute(head: HTTPRequestHead, body: ByteBuffer, deadline: NIODeadline, streaming: Bool) async throws -> UpstreamResponse {
        let exchange = self.exchanges.add(1, ordering: .relaxed).newValue
        let handler = self.handler
        let eventLoop = self.channel.eventLoop
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                eventLoop.execute {
                    handler.value.start(exchange: exchange, head: head, body: body, deadline: deadline, streaming: streaming, continuation: continuation)
                }
            }
        } onCancel: {
            eventLoop.execute { handler.value.abandon(exchange: exchange) }
        }
    }

    /// Wires the handler's callbacks to the pool; called on the event loop before first use.
    /// The handler drops both callbacks when the connection closes, which breaks the cycle.
    func attach(to pool: UpstreamConnectionPool) {
        self.handler.value.onReusable = { pool.release(self) }
        self.handler.value.onClose = { pool.closed(self) }
    }
}
