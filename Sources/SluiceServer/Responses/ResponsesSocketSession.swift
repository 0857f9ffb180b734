import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOWebSocket
import SluiceCore
@_spi(WSInternal) import WSCore

/// One connection in the Responses API's WebSocket mode. Each `response.create` the client sends
/// is a turn: the `POST /v1/responses` it stands for runs through the gateway's router (key check,
/// request limits, ledger, everything an HTTP request gets) and its stream's events go back as
/// text messages. Turns run one at a time, in the order they came, as OpenAI runs a connection's
/// responses; a message that is not a sound `response.create` gets an `error` event and the
/// connection goes on. The client's close ends the running turn as a client that left (499).
///
/// WSCore's frame handling (pings, close handshake, message assembly) is used through its
/// `WSInternal` interface, as Hummingbird's own upgrade channel does: that channel cannot keep the
/// gateway's connection guards, so ``GuardedHTTP1Channel`` does the upgrade itself.
struct ResponsesSocketSession: Sendable {
    let upgrade: ResponsesSocketUpgrade
    /// The handshake request: its headers (the client key, session and trace headers) go with every turn.
    let handshake: HTTPRequest

    /// Handshake headers that describe the WebSocket, not the turns.
    private static let handshakeOnly: Set<HTTPField.Name> = [
        .upgrade, .connection, .secWebSocketKey, .secWebSocketVersion, .secWebSocketExtensions, .secWebSocketProtocol,
        .contentLength, .transferEncoding, .contentType,
    ]

    /// How many turns may wait behind the running one (OpenAI runs a connection's responses one
    /// at a time too); more get an error event.
    static let maxWaitingTurns = 8

    /// A turn waiting its go, and the bytes it holds.
    private struct Turn: Sendable {
        let body: ByteBuffer
        let streamID: String?
    }

    private struct LogContext: WebSocketContext {
        let logger: Logger
    }

    func serve(_ socket: NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, logger: Logger) async {
        let configuration = WebSocketHandler.Configuration(
            extensions: [], autoPing: .enabled(timePeriod: .seconds(30)), validateUTF8: false, maxFrameSize: self.upgrade.maxMessageBytes
        )
        let channel = socket.channel
        do {
            _ = try await WebSocketHandler.handle(type: .server, configuration: configuration, asyncChannel: socket, context: LogContext(logger: logger)) {
                inbound, outbound, _ in
                try await self.run(inbound, outbound, channel: channel, logger: logger)
            }
        } catch {
            logger.debug("Responses WebSocket ended", metadata: ["error": "\(error)"])
        }
    }

    /// Reads the client's messages while a second task plays the turns they make, one after another.
    private func run(_ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter, channel: any Channel, logger: Logger) async throws {
        let clientGone = channel.eventLoop.makePromise(of: Void.self)
        let clientLeft = NIOLockedValueBox(false)
        let (turns, queue) = AsyncStream.makeStream(of: Turn.self)
        // Turns waiting their go: a few, together no more bytes than one request body.
        let waiting = NIOLockedValueBox((turns: 0, bytes: 0))
        let limit = self.upgrade.maxMessageBytes
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                var memory = ResponsesSocketMemory(maxBytes: limit)
                for await turn in turns {
                    waiting.withLockedValue { $0 = ($0.turns - 1, $0.bytes - turn.body.readableBytes) }
                    // Turns still waiting when the client left are not started.
                    guard !clientLeft.withLockedValue({ $0 }) else { continue }
                    await self.play(turn, to: outbound, memory: &memory, clientGone: clientGone.futureResult, channel: channel, logger: logger)
                }
            }
            var failure: (any Error)?
            do {
                for try await message in inbound.messages(maxSize: limit) {
                    switch ResponsesSocketMessage.read(message) {
                    case .create(let body, let streamID):
                        let admitted = waiting.withLockedValue { waiting in
                            guard waiting.turns < Self.maxWaitingTurns, waiting.bytes == 0 || waiting.bytes + body.readableBytes <= limit else { return false }
                            waiting = (waiting.turns + 1, waiting.bytes + body.readableBytes)
                            return true
                        }
                        if admitted {
                            queue.yield(Turn(body: body, streamID: streamID))
                        } else {
                            let error = GatewayError(
                                status: 429, type: "invalid_request_error", code: "too_many_queued_responses",
                                message: "Too many responses are waiting on this connection; wait for one to finish before sending more."
                            )
                            try await ResponsesSocketEventWriter(outbound: outbound, streamID: streamID, cutsEvents: false).send(error)
                        }
                    case .refused(let error, let streamID):
                        try await ResponsesSocketEventWriter(outbound: outbound, streamID: streamID, cutsEvents: false).send(error)
                    }
                }
            } catch {
                failure = error
            }
            // The client closed (or broke the protocol): the running turn ends as a client that left.
            clientLeft.withLockedValue { $0 = true }
            clientGone.succeed()
            queue.finish()
            try await group.waitForAll()
            if let failure { throw failure }
        }
    }

    /// Runs one turn as `POST /v1/responses` and sends its answer.
    /// - Parameter memory: the connection's unstored response, which the turn may continue and replace.
    private func play(
        _ turn: Turn, to outbound: WebSocketOutboundWriter, memory: inout ResponsesSocketMemory, clientGone: EventLoopFuture<Void>, channel: any Channel,
        logger: Logger
    ) async {
        let body = memory.expanding(turn.body)
        var fields = HTTPFields(self.handshake.headerFields.filter { !Self.handshakeOnly.contains($0.name) })
        fields[.contentType] = "application/json"
        fields[.contentLength] = String(body.readableBytes)
        let head = HTTPRequest(method: .post, scheme: nil, authority: self.handshake.authority, path: ResponsesSocketUpgrade.path, headerFields: fields)
        let context = SluiceRequestContext(channel: channel, logger: logger, connectionClosed: clientGone)
        do {
            let response = try await self.upgrade.respond(Request(head: head, body: RequestBody(buffer: body)), context)
            let isStream = response.headers[.contentType]?.hasPrefix("text/event-stream") == true
            let writer = ResponsesSocketEventWriter(outbound: outbound, streamID: turn.streamID, cutsEvents: isStream)
            try await response.body.write(writer)
            if !isStream { try await writer.send(whole: response.status) }
            if let final = writer.finalResponse { memory.remember(turn: body, response: final) }
        } catch {
            // The router answers every failure of the request itself; what is left is the socket going away.
            logger.debug("a Responses WebSocket turn ended early", metadata: ["error": "\(error)"])
        }
    }
}

extension SluiceRequestContext {
    /// The context of one turn on a Responses WebSocket: it ends as a client that left when
    /// `connectionClosed` completes (the client's close message), not only when the TCP connection closes.
    init(channel: any Channel, logger: Logger, connectionClosed: EventLoopFuture<Void>) {
        self.coreContext = .init(source: ApplicationRequestContextSource(channel: channel, logger: logger))
        self.requestID = ""
        self.connectionClosed = connectionClosed
        self.remoteAddress = channel.remoteAddress
        self.connection = channel
    }
}
