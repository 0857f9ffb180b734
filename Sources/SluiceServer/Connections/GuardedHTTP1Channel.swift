import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOSSL
import NIOWebSocket
import SluiceConfig

/// Hummingbird's HTTP/1.1 child channel with the gateway's connection limits: a connection past
/// its address's cap is closed before any handler is set up, and every other one gets a
/// ``ConnectionGuardHandler`` (with its byte tap first in the pipeline) and a ``ClientHangUpHandler``.
///
/// A connection whose first request line is `GET /v1/responses` may become a WebSocket (the
/// Responses API's WebSocket mode, see ``ResponsesSocketUpgrade``); a ``FirstRequestLineSniffer``
/// tells them apart before any HTTP handler is added, so every other connection gets exactly the
/// pipeline a plain HTTP/1.1 channel has, and no upgrade machinery looks at its requests. The guard
/// holds the connection to its deadlines from the first byte either way, and leaves the pipeline
/// when the connection turns into a WebSocket.
///
/// With TLS, a ``ListenerTLS`` handler goes in front of everything else, so the guard, the sniffer
/// and HTTP see the decrypted bytes; the header deadline runs from the connection's start and so
/// also bounds the handshake.
struct GuardedHTTP1Channel: ServerChildChannel {
    /// What the connection became once its first request line was seen.
    enum Negotiated: Sendable {
        case http(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        case webSocket(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, ResponsesSocketSession)
        /// A refused WebSocket handshake, with its answer.
        case refusedWebSocket(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, Response)
    }

    struct Value: ServerChildChannelValue {
        let negotiated: EventLoopFuture<Negotiated>
        let channel: any Channel
    }

    let responder: HTTPChannelHandler.Responder
    let limits: ConnectionLimits
    let addresses: ClientAddressCap
    let webSocket: ResponsesSocketUpgrade
    /// The listener's TLS context, nil for plain HTTP.
    let tls: ListenerTLS?

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let address = channel.remoteAddress?.ipAddress ?? "unknown"
        guard self.addresses.admit(address) else {
            logger.debug("refusing a connection past its address's cap", metadata: ["client": "\(address)", "cap": "\(self.addresses.limit)"])
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(ConnectionCapReached())
        }
        let addresses = self.addresses
        channel.closeFuture.whenComplete { _ in addresses.release(address) }
        let deadlines = ConnectionDeadlines(
            headerRead: TimeAmount(self.limits.headerReadTimeout), bodyRead: TimeAmount(self.limits.bodyReadTimeout),
            keepAlive: TimeAmount(self.limits.keepAliveTimeout), openedAt: .now()
        )
        let negotiated = channel.eventLoop.makePromise(of: Negotiated.self)
        let connectionGuard = ConnectionGuardHandler(limits: deadlines, logger: logger)
        let handlers = GuardHandlers(byteTap: connectionGuard.byteTap, hangUp: ClientHangUpHandler(), connectionGuard: connectionGuard)
        let sniffer = FirstRequestLineSniffer(negotiated: negotiated) { kind in
            switch kind {
            case .plain: try self.configurePlain(channel, handlers: handlers, logger: logger)
            case .responsesSocket: try self.configureUpgradable(channel, handlers: handlers, logger: logger)
            }
        }
        do {
            // The guard waits at the end of the pipeline from the start, so that its deadline for
            // the first request head runs from the first byte; the HTTP handlers go in before it.
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(handlers.byteTap, position: .first)
            try pipeline.addHandler(sniffer, position: .after(handlers.byteTap))
            try pipeline.addHandlers([handlers.hangUp, handlers.connectionGuard])
            if let tls = self.tls {
                try pipeline.addHandler(NIOSSLServerHandler(context: tls.context), position: .first)
            }
        } catch {
            negotiated.fail(error)
            return channel.eventLoop.makeFailedFuture(error)
        }
        return channel.eventLoop.makeSucceededFuture(Value(negotiated: negotiated.futureResult, channel: channel))
    }

    func handle(value: Value, logger: Logger) async {
        await withTaskExecutorPreference(EventLoopTaskExecutor.of(value.channel.eventLoop)) {
            await self.serve(value, logger: logger)
        }
    }

    private func serve(_ value: Value, logger: Logger) async {
        let negotiated: Negotiated
        do {
            negotiated = try await value.negotiated.get()
        } catch {
            // The client left (or missed its deadline) before its first request line.
            logger.trace("connection ended before its first request", metadata: ["error": "\(error)"])
            try? await value.channel.close()
            return
        }
        switch negotiated {
        case .http(let http):
            await HTTP1Channel(responder: self.responder).handle(value: http, logger: logger)
        case .webSocket(let socket, let session):
            await session.serve(socket, logger: logger)
        case .refusedWebSocket(let http, let answer):
            await ResponsesSocketUpgrade.refuse(answer, on: http, logger: logger)
        }
    }

    // MARK: - Pipelines

    /// The handlers the guard puts in every connection's pipeline.
    private struct GuardHandlers {
        let byteTap: InboundByteTap
        let hangUp: ClientHangUpHandler
        let connectionGuard: ConnectionGuardHandler
    }

    /// Hummingbird's HTTP/1.1 pipeline (as `HTTP1Channel` sets it up), before the guard.
    private func configurePlain(_ channel: any Channel, handlers: GuardHandlers, logger: Logger) throws -> EventLoopFuture<Negotiated> {
        let pipeline = channel.pipeline.syncOperations
        try pipeline.configureHTTPServerPipeline(
            position: .before(handlers.hangUp), withPipeliningAssistance: false, withErrorHandling: false,
            withOutboundHeaderValidation: false, withEncoderConfiguration: .init(), withDecoderLimitConfiguration: Self.decoderLimits
        )
        return channel.eventLoop.makeSucceededFuture(.http(try self.finishHTTP(channel, handlers: handlers, logger: logger)))
    }

    /// The HTTP/1.1 pipeline behind NIO's upgrade handler, which hands the first request to
    /// ``ResponsesSocketUpgrade`` when it asks for a WebSocket. NIO adds its handlers at the end,
    /// so the guard steps out while they go in and comes back behind them with its deadlines as they were.
    private func configureUpgradable(_ channel: any Channel, handlers: GuardHandlers, logger: Logger) throws -> EventLoopFuture<Negotiated> {
        let pipeline = channel.pipeline.syncOperations
        _ = pipeline.removeHandler(handlers.connectionGuard)
        _ = pipeline.removeHandler(handlers.hangUp)
        let guardHandlers = NIOLoopBound(handlers, eventLoop: channel.eventLoop)
        let decision = NIOLoopBoundBox<ResponsesSocketUpgrade.Decision?>(nil, eventLoop: channel.eventLoop)
        let upgrader = NIOTypedWebSocketServerUpgrader<Negotiated>(
            maxFrameSize: self.webSocket.maxMessageBytes,
            shouldUpgrade: { channel, head in
                let decided = channel.eventLoop.makePromise(of: ResponsesSocketUpgrade.Decision.self)
                decided.completeWithTask { await self.webSocket.decide(head, channel: channel, logger: logger) }
                return decided.futureResult.hop(to: channel.eventLoop).map { decided in
                    decision.value = decided
                    guard case .upgrade(let headers, _) = decided else { return nil }
                    return HTTPHeaders(headers.map { ($0.name.rawName, $0.value) })
                }
            },
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    guard case .upgrade(_, let session) = decision.value else { throw ChannelError.inappropriateOperationForState }
                    // The guard reads HTTP parts and times HTTP phases; a WebSocket has its own pings.
                    let pipeline = channel.pipeline.syncOperations
                    let handlers = guardHandlers.value
                    _ = pipeline.removeHandler(handlers.connectionGuard)
                    _ = pipeline.removeHandler(handlers.hangUp)
                    _ = pipeline.removeHandler(handlers.byteTap)
                    let socket = try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(
                        wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true)
                    )
                    return .webSocket(socket, session)
                }
            }
        )
        let upgrades = NIOTypedHTTPServerUpgradeConfiguration<Negotiated>(upgraders: [upgrader]) { channel in
            channel.eventLoop.makeCompletedFuture {
                let http = try self.finishHTTP(channel, handlers: guardHandlers.value, logger: logger)
                // NIO's upgrade handler keeps a refused handshake to itself: its answer is ours to send.
                if case .refuse(let answer) = decision.value { return Negotiated.refusedWebSocket(http, answer) }
                return Negotiated.http(http)
            }
        }
        var configuration = NIOUpgradableHTTPServerPipelineConfiguration<Negotiated>(upgradeConfiguration: upgrades)
        configuration.enablePipelining = false
        configuration.enableErrorHandling = false
        configuration.enableResponseHeaderValidation = false
        configuration.decoderConfiguration = Self.decoderLimits
        let upgraded = try pipeline.configureUpgradableHTTPServerPipeline(configuration: configuration)
        try pipeline.addHandlers([handlers.hangUp, handlers.connectionGuard])
        return upgraded
    }

    /// Hummingbird's limits on a request head (80 KiB per field and in all, 1,000 fields),
    /// tighter than NIO's own defaults.
    private static let decoderLimits: NIOHTTPDecoderLimitConfiguration = {
        let hummingbird = HTTP1Channel.Configuration().httpDecoder
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderFieldSize = hummingbird.maxHeaderFieldSize
        limits.maxHeaderListSize = hummingbird.maxHeaderListSize
        limits.maxHeaderFieldCount = hummingbird.maxHeaderFieldCount
        return limits
    }()

    /// The part of Hummingbird's HTTP/1.1 pipeline past the HTTP codec.
    private func finishHTTP(
        _ channel: any Channel, handlers: GuardHandlers, logger: Logger
    ) throws -> NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart> {
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: self.tls != nil), position: .before(handlers.hangUp))
        try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
        return try NIOAsyncChannel(wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
    }
}

/// A connection closed because its client address already has as many open as it may.
struct ConnectionCapReached: Error {}
