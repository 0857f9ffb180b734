import Logging
import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Holds a client connection to ``ConnectionDeadlines``: closes it when its client misses a
/// deadline (a slowloris head, a trickled body, an idle keep-alive), and ends it after an answer
/// that refuses a body it has not read (413, 501, or 400 for broken framing) or that says
/// `Connection: close`. Other answers given before the body was read (a 401, say) keep the
/// connection: the rest of the body is read and dropped within the body deadline, so a client
/// still sending it gets the answer rather than a failed write.
///
/// Such an ending is a lingering close, as nginx does it: the answer is flushed, the sending side
/// is shut, and what the client still sends is dropped unread for up to ``lingerTime``, so that
/// the client reads the answer rather than a reset, and the refused body costs little.
///
/// Sits after the HTTP codec, where it sees request and response parts; its ``byteTap`` sits at
/// the front of the pipeline, where it sees the raw bytes that start a request head.
final class ConnectionGuardHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// How long a connection being ended may still take in (and drop) what its client sends.
    static let lingerTime = TimeAmount.seconds(2)

    private var deadlines: ConnectionDeadlines
    private var scheduledCheck: Scheduled<Void>?
    /// When the scheduled check runs.
    private var checkAt = NIODeadline.distantFuture
    private var context: ChannelHandlerContext?
    private var lingering = false
    /// Whether the answer being written refuses its request's body, or ends the connection.
    private var answerRefusesBody = false
    private var answerClosesConnection = false
    /// Whether the client asked to close after this request (`Connection: close`): the answer says
    /// so too, as HTTP/1.1 asks, so that clients do not take the close for a failure.
    private var requestClosesConnection = false
    /// Statuses that turn down a body the gateway will not read: too large, a transfer coding it
    /// does not implement, broken framing.
    private static let bodyRefusals: Set<Int> = [400, 413, 501]
    private let logger: Logger

    init(limits: ConnectionDeadlines, logger: Logger) {
        self.deadlines = limits
        self.logger = logger
    }

    /// The handler to put first in the pipeline: it reports raw bytes to this guard, and drops
    /// them once the connection is lingering.
    var byteTap: InboundByteTap { InboundByteTap(guard: self) }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.armCheck()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.scheduledCheck?.cancel()
        self.scheduledCheck = nil
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let now = NIODeadline.now()
        switch self.unwrapInboundIn(data) {
        case .head(let request):
            self.deadlines.headReceived(at: now)
            self.requestClosesConnection = request.headerFields[.connection].map(Self.saysClose) ?? false
        case .body: break
        case .end: self.deadlines.endReceived()
        }
        self.armCheck()
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch self.unwrapOutboundIn(data) {
        case .head(var response):
            self.answerRefusesBody = Self.bodyRefusals.contains(response.status.code)
            if self.requestClosesConnection, response.headerFields[.connection] == nil { response.headerFields[.connection] = "close" }
            self.answerClosesConnection = response.headerFields[.connection].map(Self.saysClose) ?? false
            context.write(self.wrapOutboundOut(.head(response)), promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            let request = self.deadlines.answerFinished(at: .now())
            guard self.answerClosesConnection || (request == .unread && self.answerRefusesBody) else {
                self.armCheck()
                return context.write(data, promise: promise)
            }
            let flushed = context.eventLoop.makePromise(of: Void.self)
            flushed.futureResult.cascade(to: promise)
            context.writeAndFlush(data, promise: flushed)
            flushed.futureResult.assumeIsolated().whenComplete { _ in self.linger() }
        }
    }

    /// Whether a `Connection` header's tokens include `close`.
    private static func saysClose(_ value: String) -> Bool {
        value.split(separator: ",").contains { $0.lowercased().filter { $0 != " " && $0 != "\t" } == "close" }
    }

    /// Called by the byte tap for every read; returns whether the bytes go on to the HTTP decoder.
    fileprivate func bytesArrived() -> Bool {
        guard !self.lingering else { return false }
        self.deadlines.bytesArrived(at: .now())
        self.armCheck()
        return true
    }

    private func linger() {
        guard let context = self.context, !self.lingering else { return }
        self.lingering = true
        self.scheduledCheck?.cancel()
        let shut = context.eventLoop.makePromise(of: Void.self)
        shut.futureResult.assumeIsolated().whenFailure { _ in context.close(promise: nil) }
        context.close(mode: .output, promise: shut)
        self.scheduledCheck = context.eventLoop.assumeIsolated().scheduleTask(in: Self.lingerTime) {
            self.scheduledCheck = nil
            context.close(promise: nil)
        }
    }

    /// Makes sure a check runs by the current deadline. A check that finds the deadline moved
    /// later arms itself again, so a busy connection reschedules at most once per deadline; one
    /// that would run too late (a short keep-alive after a long header timeout) is replaced.
    private func armCheck() {
        guard let context = self.context, !self.lingering, let deadline = self.deadlines.deadline else { return }
        if let scheduled = self.scheduledCheck {
            guard self.checkAt > deadline else { return }
            scheduled.cancel()
        }
        self.checkAt = deadline
        self.scheduledCheck = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            self.scheduledCheck = nil
            self.check()
        }
    }

    private func check() {
        guard let context = self.context, !self.lingering, let deadline = self.deadlines.deadline else { return }
        guard NIODeadline.now() >= deadline else { return self.armCheck() }
        self.logger.debug(
            "closing a client connection that missed its deadline",
            metadata: ["phase": "\(self.phaseName)", "client": "\(context.remoteAddress?.ipAddress ?? "?")"]
        )
        context.close(promise: nil)
    }

    private var phaseName: String {
        switch self.deadlines.reading {
        case .head: "request head"
        case .body: "request body"
        case .nothing: "keep-alive"
        }
    }
}

@available(*, unavailable)
extension ConnectionGuardHandler: Sendable {}

/// The front of a client connection's pipeline: tells its ``ConnectionGuardHandler`` that bytes
/// came (the start of a request head is visible only here), and drops them when it says so.
final class InboundByteTap: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let connectionGuard: ConnectionGuardHandler

    fileprivate init(guard connectionGuard: ConnectionGuardHandler) {
        self.connectionGuard = connectionGuard
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if self.connectionGuard.bytesArrived() { context.fireChannelRead(data) }
    }
}

@available(*, unavailable)
extension InboundByteTap: Sendable {}
