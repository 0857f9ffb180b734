import Hummingbird
import NIOCore
import Synchronization

/// The one in-process HTTP server behind every upstream stub: it binds a free loopback port,
/// records each request before anything else happens to it (so a test can read what the gateway
/// sent, even for requests whose answer never ends), and hands it to the stub's answerer, which
/// replies in its provider's shapes.
final class RecordingStubServer: Sendable {
    /// Writes the reply to one request.
    typealias Answerer = @Sendable (StubExchange) async throws -> Response

    /// Larger bodies are refused; the gateway's own limit in tests is far below.
    static let maxBodyBytes = 16 << 20

    private let log: StubLog
    private let server: RunningServer

    var port: Int { self.server.port }
    /// Every request received, in order of arrival.
    var requests: [RecordedRequest] { self.log.state.withLock { $0.requests } }
    /// When the gateway closed a connection whose answer was waiting for it to (see ``StubExchange/untilHangUp(_:)``).
    var hangUps: [ContinuousClock.Instant] { self.log.state.withLock { $0.hangUps } }

    static func start(answer: @escaping Answerer) async throws -> RecordingStubServer {
        let log = StubLog()
        let server = try await RunningServer.start(router: Responder { request, _ in
            var request = request
            let body = try await request.collectBody(upTo: Self.maxBodyBytes)
            let recorded = RecordedRequest(
                method: request.method, path: request.uri.path, query: request.uri.query ?? "", authority: request.head.authority, headers: request.headers,
                body: Array(body.readableBytesView), receivedAt: .now)
            log.state.withLock { $0.requests.append(recorded) }
            return try await answer(StubExchange(request: recorded, body: request.body, log: log))
        })
        return RecordingStubServer(log: log, server: server)
    }

    private init(log: StubLog, server: RunningServer) {
        self.log = log
        self.server = server
    }

    func stop() async {
        await self.server.stop()
    }

    /// What the server saw, shared with the exchanges it hands out.
    final class StubLog: Sendable {
        let state = Mutex<(requests: [RecordedRequest], hangUps: [ContinuousClock.Instant])>(([], []))
    }

    /// Sends every request, whatever its method and path, to one callback.
    private struct Responder: HTTPResponderBuilder {
        let callback: @Sendable (Request, BasicRequestContext) async throws -> Response

        func buildResponder() -> CallbackResponder<BasicRequestContext> {
            CallbackResponder(callback: self.callback)
        }
    }
}

/// One request handed to a stub's answerer.
struct StubExchange: Sendable {
    let request: RecordedRequest
    /// The live request body: it tells when the gateway closes the connection.
    let body: RequestBody
    let log: RecordingStubServer.StubLog

    /// Runs `operation` until it ends or the gateway closes the connection; a hang-up cancels it
    /// and is noted in ``RecordingStubServer/hangUps``. Call it at most once per exchange.
    func untilHangUp(_ operation: () async throws -> Void) async throws {
        do {
            try await self.body.consumeWithCancellationOnInboundClose { _ in try await operation() }
        } catch {
            self.log.state.withLock { $0.hangUps.append(.now) }
            throw error
        }
    }

    /// Waits, without answering, until the gateway gives up and hangs up (an hour at most).
    func stallUntilHangUp() async throws {
        try await self.untilHangUp { try await Task.sleep(for: .seconds(3600)) }
    }
}
