import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle

/// A Hummingbird application running on a free loopback port until stopped.
struct RunningServer: Sendable {
    let port: Int
    private let task: Task<Void, any Error>

    /// - Parameter server: how connections are served (TLS, say); plain HTTP/1.1 by default.
    static func start<Responder: HTTPResponderBuilder>(router: Responder, server: HTTPServerBuilder = .http1()) async throws -> RunningServer
    where Responder.Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "stub-upstream")
        logger.logLevel = .critical
        let app = Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        let task = Task { try await app.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        return RunningServer(port: port, task: task)
    }

    func stop() async {
        self.task.cancel()
        _ = await self.task.result
    }
}
