import NIOCore

/// Holds a new connection's first bytes until they show whether its first request is
/// `GET /v1/responses` (which may ask for a WebSocket), has the pipeline configured for what they
/// show, passes them on and leaves. Plain HTTP connections thus never carry the upgrade machinery:
/// it costs them one comparison of at most 18 bytes.
final class FirstRequestLineSniffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    enum Kind: Equatable {
        /// Served by the plain HTTP/1.1 pipeline.
        case plain
        /// A first request for the Responses API's WebSocket path.
        case responsesSocket
    }

    /// Configures the pipeline behind this handler; the future gives what the connection became.
    typealias Configure = (Kind) throws -> EventLoopFuture<GuardedHTTP1Channel.Negotiated>

    private static let socketRequestLine = Array("GET /v1/responses".utf8)

    private let negotiated: EventLoopPromise<GuardedHTTP1Channel.Negotiated>
    private let configure: Configure
    private var buffered: ByteBuffer?
    private var decided = false

    init(negotiated: EventLoopPromise<GuardedHTTP1Channel.Negotiated>, configure: @escaping Configure) {
        self.negotiated = negotiated
        self.configure = configure
    }

    /// What a connection starting with `bytes` is, or nil while they are a prefix of the socket's request line.
    static func kind(of bytes: ByteBuffer) -> Kind? {
        let line = self.socketRequestLine
        for (index, byte) in bytes.readableBytesView.prefix(line.count + 1).enumerated() {
            guard index < line.count else { return byte == UInt8(ascii: " ") || byte == UInt8(ascii: "?") ? .responsesSocket : .plain }
            if byte != line[index] { return .plain }
        }
        return nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = self.unwrapInboundIn(data)
        if var buffered = self.buffered {
            buffered.writeBuffer(&bytes)
            bytes = buffered
        }
        guard !self.decided, let kind = Self.kind(of: bytes) else {
            self.buffered = bytes
            return
        }
        self.decided = true
        self.buffered = nil
        do {
            try self.configure(kind).cascade(to: self.negotiated)
        } catch {
            self.negotiated.fail(error)
            context.close(promise: nil)
            return
        }
        context.fireChannelRead(self.wrapInboundOut(bytes))
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.giveUp()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.giveUp()
    }

    /// The connection ended before its first request line could be told apart.
    private func giveUp() {
        guard !self.decided else { return }
        self.decided = true
        self.negotiated.fail(ChannelError.eof)
    }
}

@available(*, unavailable)
extension FirstRequestLineSniffer: Sendable {}
