import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// An OpenAI-compatible upstream for load tests, lean as `bench/nginx/upstream.conf`: each answer
/// in one write, read from the request with a substring search rather than a JSON parser, so that
/// tens of thousands of requests cost the test little besides the gateway's own work. It follows
/// the request's upstream model and `stream`:
///
/// | request | answer |
/// |---|---|
/// | `"stream":true` | ``StubShapes/chatStream(model:includeUsage:)`` with usage |
/// | otherwise | ``StubShapes/chatCompletion(model:)`` |
/// | model `endless` | a stream of an event every 50 ms, until the gateway hangs up |
/// | model `silent` | nothing, until the gateway hangs up; notes the request's `user` |
///
/// It counts the connections the gateway closed while an answer was under way.
final class LoadUpstream: Sendable {
    private let channel: any Channel
    private let notes: Notes

    var baseURL: String { "http://127.0.0.1:\(self.channel.localAddress?.port ?? 0)/v1" }
    /// Connections the gateway closed before their answer ended.
    var hangUps: Int { self.notes.state.withLock { $0.hangUps } }

    /// Whether a `silent` request from `user` has arrived.
    func hasReceived(user: String) -> Bool { self.notes.state.withLock { $0.silentUsers.contains(user) } }

    static func start() async throws -> LoadUpstream {
        let notes = Notes()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Answerer(notes))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return LoadUpstream(channel: channel, notes: notes)
    }

    private init(channel: any Channel, notes: Notes) {
        self.channel = channel
        self.notes = notes
    }

    func stop() async {
        try? await self.channel.close()
    }

    private final class Notes: Sendable {
        let state = Mutex<(hangUps: Int, silentUsers: Set<String>)>((0, []))
    }

    private static let stream = ByteBuffer(string: StubShapes.chatStream(model: "ok", includeUsage: true).joined())
    private static let completion = ByteBuffer(string: StubShapes.chatCompletion(model: "ok"))
    private static let endlessEvents = StubShapes.chatStream(model: "endless", includeUsage: false)

    private final class Answerer: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        private let notes: Notes
        private var body = ByteBuffer()
        private var answering = false
        private var ticks: RepeatedTask?

        init(_ notes: Notes) {
            self.notes = notes
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch self.unwrapInboundIn(data) {
            case .head:
                self.body.clear()
            case .body(var part):
                self.body.writeBuffer(&part)
            case .end:
                let request = String(buffer: self.body)
                if request.contains(#""model":"silent""#) {
                    self.answering = true
                    let user = request.firstRange(of: #""user":""#).map { request[$0.upperBound...].prefix { $0 != "\"" } }
                    self.notes.state.withLock { _ = $0.silentUsers.insert(String(user ?? "")) }
                } else if request.contains(#""model":"endless""#) {
                    self.answering = true
                    self.writeHead(context, contentType: "text/event-stream")
                    context.writeAndFlush(self.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: LoadUpstream.endlessEvents[0])))), promise: nil)
                    let event = ByteBuffer(string: LoadUpstream.endlessEvents[1])
                    let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
                    self.ticks = context.eventLoop.scheduleRepeatedTask(initialDelay: .milliseconds(50), delay: .milliseconds(50)) { _ in
                        loopBound.value.writeAndFlush(NIOAny(HTTPServerResponsePart.body(.byteBuffer(event))), promise: nil)
                    }
                } else {
                    let streams = request.contains(#""stream":true"#)
                    self.writeHead(context, contentType: streams ? "text/event-stream" : "application/json")
                    context.write(self.wrapOutboundOut(.body(.byteBuffer(streams ? LoadUpstream.stream : LoadUpstream.completion))), promise: nil)
                    context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
                }
            }
        }

        private func writeHead(_ context: ChannelHandlerContext, contentType: String) {
            let head = HTTPResponseHead(version: .http1_1, status: .ok, headers: ["content-type": contentType])
            context.write(self.wrapOutboundOut(.head(head)), promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            self.ticks?.cancel()
            if self.answering { self.notes.state.withLock { $0.hangUps += 1 } }
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}
