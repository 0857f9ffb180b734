import NIOCore
import NIOHTTP1
import NIOSSL

/// Runs one request-response at a time on a kept-alive HTTP/1.1 connection. Lives on the
/// connection's event loop; everything it touches is confined there.
final class UpstreamConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private enum State {
        case idle
        case awaitingHead(Pending)
        case collecting(Pending, HTTPResponseHead, ByteBuffer)
        case streaming(AsyncThrowingStream<ByteBuffer, any Error>.Continuation)
        case closed
    }

    struct Pending {
        let continuation: UnsafeContinuation<UpstreamResponse, any Error>
        let streaming: Bool
    }

    private var state = State.idle
    private var context: ChannelHandlerContext?
    private var deadlineTimer: Scheduled<Void>?
    private var idleTimer: Scheduled<Void>?
    private var keepAlive = true
    /// The exchange in progress, so that a late cancellation cannot hit the next one.
    private var exchange = 0
    private let idleTimeout: TimeAmount
    /// Called when an exchange ended well and the connection can take the next request.
    var onReusable: (() -> Void)?
    /// Called once when the connection closes.
    var onClose: (() -> Void)?

    init(idleTimeout: TimeAmount) {
        self.idleTimeout = idleTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Sends `head` and `body` and answers `continuation` with the response.
    func start(
        exchange: Int, head: HTTPRequestHead, body: ByteBuffer, deadline: NIODeadline, streaming: Bool,
        continuation: UnsafeContinuation<UpstreamResponse, any Error>
    ) {
        guard case .idle = self.state, let context = self.context, context.channel.isActive else {
            continuation.resume(throwing: UpstreamTransportError.closedBeforeResponse)
            return
        }
        self.exchange = exchange
        self.idleTimer?.cancel()
        self.idleTimer = nil
        self.state = .awaitingHead(Pending(continuation: continuation, streaming: streaming))
        self.deadlineTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
            self?.fail(UpstreamTransportError.deadlineExceeded)
        }
        context.write(self.wrapOutboundOut(.head(head)), promise: nil)
        context.write(self.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
    }

    /// The caller of `exchange` stopped waiting (its task was cancelled) or stopped reading the body.
    func abandon(exchange: Int) {
        guard exchange == self.exchange else { return }
        switch self.state {
        case .awaitingHead, .collecting, .streaming: self.fail(CancellationError())
        case .idle, .closed: break
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            guard head.status.code >= 200 else { return }
            guard case .awaitingHead(let pending) = self.state else { return }
            self.keepAlive = head.isKeepAlive
            if pending.streaming {
                let (stream, continuation) = AsyncThrowingStream.makeStream(of: ByteBuffer.self)
                let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
                let eventLoop = context.eventLoop
                let exchange = self.exchange
                continuation.onTermination = { termination in
                    guard case .cancelled = termination else { return }
                    eventLoop.execute { loopBound.value.abandon(exchange: exchange) }
                }
                self.state = .streaming(continuation)
                pending.continuation.resume(returning: UpstreamResponse(status: Int(head.status.code), headers: head.headers, body: .stream(stream)))
            } else {
                let expected = head.headers.first(name: "content-length").flatMap { Int($0) } ?? 0
                self.state = .collecting(pending, head, context.channel.allocator.buffer(capacity: min(expected, 1 << 20)))
            }
        case .body(var part):
            switch self.state {
            case .collecting(let pending, let head, var buffer):
                self.state = .idle
                buffer.writeBuffer(&part)
                self.state = .collecting(pending, head, buffer)
            case .streaming(let continuation):
                continuation.yield(part)
            default:
                break
            }
        case .end:
            switch self.state {
            case .collecting(let pending, let head, let buffer):
                self.finishExchange()
                pending.continuation.resume(returning: UpstreamResponse(status: Int(head.status.code), headers: head.headers, body: .complete(buffer)))
            case .streaming(let continuation):
                self.finishExchange()
                continuation.finish()
            default:
                break
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.fail(nil)
        self.state = .closed
        self.idleTimer?.cancel()
        let onClose = self.onClose
        self.onClose = nil
        self.onReusable = nil
        onClose?()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Besides handshake failures: a certificate for another name (NIOSSLExtraError), and BoringSSL's
        // own errors after the handshake, such as a TLS 1.3 server's refusal of the client certificate.
        if error is NIOSSLError || error is NIOSSLExtraError || error is BoringSSLError {
            self.fail(UpstreamTransportError.connectFailed("TLS: \(error)"))
        } else {
            self.fail(nil)
        }
    }

    private func finishExchange() {
        self.deadlineTimer?.cancel()
        self.deadlineTimer = nil
        guard self.keepAlive else {
            self.state = .closed
            self.context?.close(promise: nil)
            return
        }
        self.state = .idle
        self.idleTimer = self.context?.eventLoop.assumeIsolated().scheduleTask(in: self.idleTimeout) { [weak self] in
            self?.context?.close(promise: nil)
        }
        self.onReusable?()
    }

    /// Ends the current exchange with `error` (or the error that fits the state) and closes the
    /// connection; a connection that failed is never reused, and its close returns its pool slot.
    private func fail(_ error: (any Error)?) {
        let state = self.state
        self.state = .closed
        self.deadlineTimer?.cancel()
        self.deadlineTimer = nil
        switch state {
        case .awaitingHead(let pending):
            pending.continuation.resume(throwing: error ?? UpstreamTransportError.closedBeforeResponse)
        case .collecting(let pending, _, _):
            pending.continuation.resume(throwing: error ?? UpstreamTransportError.closedMidBody)
        case .streaming(let continuation):
            continuation.finish(throwing: error ?? UpstreamTransportError.closedMidBody)
        case .idle, .closed:
            break
        }
        if case .closed = state {} else {
            self.context?.close(promise: nil)
        }
    }
}
