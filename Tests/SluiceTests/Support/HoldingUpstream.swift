import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// An upstream on bare NIO that sees the instant the gateway closes a connection (a Hummingbird
/// stub learns it only when it next writes). It takes any `POST` path (OpenAI's and Anthropic's
/// alike) and answers by the upstream model name in the body:
///
/// | model | behaviour |
/// |---|---|
/// | `hold` | never answers; notes when the gateway closes the connection |
/// | `gated` | a normal chat answer (whole, or streamed when asked), when the test calls ``answerWaiting()`` |
/// | `error-event` | streams two chunks, then an OpenAI error event, then ends the body |
/// | `no-choices` | a chat completion without choices: valid JSON, but no message to translate |
///
/// `GET` requests (health probes) get an empty model list.
final class HoldingUpstream: Sendable {
    /// One request as the upstream saw it.
    struct Exchange: Sendable {
        var path: String
        var model: String
        /// When the gateway closed the connection while the request was unanswered.
        var closed: ContinuousClock.Instant?
    }

    private let shared: Shared
    private let channel: any Channel

    var baseURL: String { "http://127.0.0.1:\(self.channel.localAddress?.port ?? 0)/v1" }
    var exchanges: [Exchange] { self.shared.state.withLock { $0.exchanges } }

    static func start() async throws -> HoldingUpstream {
        let shared = Shared()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                shared.state.withLock { $0.connections.append(channel) }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Connection(shared))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return HoldingUpstream(shared: shared, channel: channel)
    }

    private init(shared: Shared, channel: any Channel) {
        self.shared = shared
        self.channel = channel
    }

    /// Answers every `gated` request that has arrived and waits.
    func answerWaiting() {
        let waiting = self.shared.state.withLock { state in
            defer { state.gated = [] }
            return state.gated
        }
        for answer in waiting { answer() }
    }

    /// Waits until `count` requests arrived; returns them all (fewer if `limit` passed first).
    func waitForExchanges(_ count: Int, within limit: Duration) async -> [Exchange] {
        let deadline = ContinuousClock.now + limit
        while self.exchanges.count < count, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(2))
        }
        return self.exchanges
    }

    /// When the gateway closed the connection of request `index`; nil if it has not within `limit`.
    func waitForClose(of index: Int, within limit: Duration) async -> ContinuousClock.Instant? {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let closed = self.exchanges[index].closed { return closed }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return self.exchanges[index].closed
    }

    /// Closes the listening socket and every connection, which fails any request still held.
    func stop() async {
        let connections = self.shared.state.withLock { $0.connections }
        for connection in connections { try? await connection.close() }
        try? await self.channel.close()
    }

    private final class Shared: Sendable {
        struct State {
            var exchanges: [Exchange] = []
            var gated: [@Sendable () -> Void] = []
            var connections: [any Channel] = []
        }

        let state = Mutex(State())
    }

    /// One connection from the gateway; it serves its requests one after another.
    private final class Connection: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        private let shared: Shared
        private var head: HTTPRequestHead?
        private var body = ByteBuffer()
        /// The request on this connection still waiting for its answer, by index.
        private var unanswered: Int?

        init(_ shared: Shared) {
            self.shared = shared
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch self.unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                self.body.clear()
            case .body(var chunk):
                self.body.writeBuffer(&chunk)
            case .end:
                self.requestEnded(context: context)
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            if let index = self.unanswered {
                let now = ContinuousClock.now
                self.shared.state.withLock { $0.exchanges[index].closed = now }
            }
            context.fireChannelInactive()
        }

        private func requestEnded(context: ChannelHandlerContext) {
            guard let head = self.head else { return }
            guard head.method == .POST else {
                self.respond(status: .ok, contentType: "application/json", parts: [#"{"object":"list","data":[]}"#], context: context)
                return
            }
            let json = (try? JSONSerialization.jsonObject(with: Data(self.body.readableBytesView))) as? [String: Any] ?? [:]
            let model = json["model"] as? String ?? ""
            let stream = json["stream"] as? Bool ?? false
            let exchange = Exchange(path: head.uri, model: model)
            self.unanswered = self.shared.state.withLock { state in
                state.exchanges.append(exchange)
                return state.exchanges.count - 1
            }
            switch model {
            case "hold":
                break
            case "gated":
                let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                let eventLoop = context.eventLoop
                let answer: @Sendable () -> Void = {
                    eventLoop.execute {
                        let (connection, context) = bound.value
                        connection.answer(stream: stream, context: context)
                    }
                }
                self.shared.state.withLock { $0.gated.append(answer) }
            case "error-event":
                let events = StubShapes.chatStream(model: model, includeUsage: false)
                let error = #"data: {"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}"# + "\n\n"
                self.respond(status: .ok, contentType: "text/event-stream", parts: [events[0], events[1], error], context: context)
            case "no-choices":
                let answer = #"{"id":"chatcmpl-empty","object":"chat.completion","created":1741569952,"model":"no-choices","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":0,"total_tokens":5}}"#
                self.respond(status: .ok, contentType: "application/json", parts: [answer], context: context)
            default:
                self.answer(stream: stream, context: context)
            }
        }

        private func answer(stream: Bool, context: ChannelHandlerContext) {
            guard context.channel.isActive else { return }
            if stream {
                self.respond(status: .ok, contentType: "text/event-stream", parts: StubShapes.chatStream(model: "ok", includeUsage: true), context: context)
            } else {
                self.respond(status: .ok, contentType: "application/json", parts: [StubShapes.chatCompletion(model: "ok")], context: context)
            }
        }

        private func respond(status: HTTPResponseStatus, contentType: String, parts: [String], context: ChannelHandlerContext) {
            self.unanswered = nil
            var headers = HTTPHeaders([("content-type", contentType)])
            if parts.count == 1 {
                headers.add(name: "content-length", value: String(parts[0].utf8.count))
            } else {
                headers.add(name: "transfer-encoding", value: "chunked")
            }
            context.write(self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
            for part in parts {
                context.write(self.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: part)))), promise: nil)
            }
            context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
