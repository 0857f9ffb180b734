import NIOCore
import NIOHTTP1
import NIOPosix

/// One HTTP/1.1 client connection of a load test, lean enough that tens of thousands of requests
/// cost the test little besides the gateway's own work. It sends one request at a time, and the
/// caller chooses how each ends: with the whole answer, or by hanging up after the answer's first
/// bytes, or at any moment of its own.
final class LoadConnection: Sendable {
    /// How much of the answer ``post(_:body:headers:until:)`` waits for.
    enum Wait: Sendable {
        case wholeAnswer
        /// The head and the first body bytes.
        case firstBytes
    }

    struct Answer: Sendable {
        var status = 0
        var body = ""
        /// Whether the server keeps the connection open for the next request.
        var keepAlive = true
    }

    private let channel: any Channel
    private let collector: NIOLoopBound<Collector>

    static func open(port: Int) async throws -> LoadConnection {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(Collector())
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        let collector = try await channel.eventLoop.submit {
            NIOLoopBound(try channel.pipeline.syncOperations.handler(type: Collector.self), eventLoop: channel.eventLoop)
        }.get()
        return LoadConnection(channel: channel, collector: collector)
    }

    private init(channel: any Channel, collector: NIOLoopBound<Collector>) {
        self.channel = channel
        self.collector = collector
    }

    var isActive: Bool { self.channel.isActive }

    /// Sends a POST with a JSON body; returns when the answer got as far as `wait` says.
    func post(_ path: String, body: String, headers: HTTPHeaders, until wait: Wait) async throws -> Answer {
        let collector = self.collector
        let channel = self.channel
        return try await channel.eventLoop.flatSubmit {
            var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path, headers: headers)
            head.headers.replaceOrAdd(name: "host", value: "127.0.0.1")
            head.headers.replaceOrAdd(name: "content-type", value: "application/json")
            head.headers.replaceOrAdd(name: "content-length", value: String(body.utf8.count))
            // A connection the server closed since the caller last looked fails at once.
            guard channel.isActive else { return channel.eventLoop.makeFailedFuture(ClosedEarly()) }
            let answer = collector.value.expect(wait, on: channel.eventLoop)
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(string: body))), promise: nil)
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
            return answer
        }.get()
    }

    func close() async {
        try? await self.channel.close()
    }

    private struct ClosedEarly: Error {}

    private final class Collector: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPClientResponsePart

        private var promise: EventLoopPromise<Answer>?
        private var wait = Wait.wholeAnswer
        private var answer = Answer()

        func expect(_ wait: Wait, on eventLoop: any EventLoop) -> EventLoopFuture<Answer> {
            let promise = eventLoop.makePromise(of: Answer.self)
            (self.promise, self.wait, self.answer) = (promise, wait, Answer())
            return promise.futureResult
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch self.unwrapInboundIn(data) {
            case .head(let head):
                self.answer.status = Int(head.status.code)
                self.answer.keepAlive = head.isKeepAlive
            case .body(let part):
                self.answer.body += String(buffer: part)
                if case .firstBytes = self.wait { self.complete() }
            case .end:
                self.complete()
            }
        }

        private func complete() {
            let promise = self.promise
            self.promise = nil
            promise?.succeed(self.answer)
        }

        func channelInactive(context: ChannelHandlerContext) {
            let promise = self.promise
            self.promise = nil
            promise?.fail(ClosedEarly())
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}
