import Instrumentation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import SluiceCore
import Synchronization

/// The HTTP/1.1 client for upstream calls: a pool of kept-alive connections per origin and event
/// loop, each request written in one flush, a plain answer handed over whole with one wake-up, a
/// streamed one part by part as it arrives. A caller running on an event loop (as the gateway's
/// handlers do once NIO runs Swift concurrency) gets a connection on that same loop, so the
/// request never changes threads.
///
/// Hand-written on SwiftNIO instead of AsyncHTTPClient because the proxy path is measured in
/// microseconds: AsyncHTTPClient's per-request state machines, executor hops and split writes
/// cost several times the rest of the gateway (see BENCHMARKS.md for the figures).
///
/// ```swift
/// let client = UpstreamHTTPClient(configuration: .init())
/// let response = try await client.execute(origin: origin, head: head, body: body, deadline: .now() + .seconds(30), streaming: false)
/// ```
public final class UpstreamHTTPClient: Sendable {
    public struct Configuration: Sendable {
        /// Connections per origin, shared out among the event loops; requests beyond it wait for a free one.
        public var maxConnectionsPerOrigin = 256
        public var connectTimeout: TimeAmount = .seconds(5)
        /// Idle connections close after this long.
        public var idleTimeout: TimeAmount = .seconds(60)

        public init() {}
    }

    private let configuration: Configuration
    private let eventLoopGroup: any EventLoopGroup
    private let sslContext: NIOSSLContext?
    private let pools = Mutex<[PoolKey: UpstreamConnectionPool]>([:])
    private let loopCount: Int

    private struct PoolKey: Hashable {
        let origin: UpstreamOrigin
        let eventLoop: ObjectIdentifier
    }

    public init(configuration: Configuration, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.loopCount = max(1, eventLoopGroup.makeIterator().reduce(0) { count, _ in count + 1 })
        self.sslContext = try? NIOSSLContext(configuration: .makeClientConfiguration())
    }

    /// Sends `body` with `head` to `origin`, with the trace headers of `ServiceContext.current`.
    /// - Parameter streaming: hand the body over part by part instead of whole.
    /// - Throws: ``UpstreamTransportError``, or `CancellationError` when the calling task is cancelled.
    public func execute(
        origin: UpstreamOrigin, head: HTTPRequestHead, body: ByteBuffer, deadline: NIODeadline, streaming: Bool
    ) async throws -> UpstreamResponse {
        var head = head
        if let trace = ServiceContext.current?.upstreamTraceHeaders { trace.add(to: &head.headers) }
        return try await self.pool(for: origin).execute(head: head, body: body, deadline: deadline, streaming: streaming)
    }

    /// The pool of the calling thread's event loop, or of the next loop when called from elsewhere.
    private func pool(for origin: UpstreamOrigin) -> UpstreamConnectionPool {
        let current = MultiThreadedEventLoopGroup.currentEventLoop
        let eventLoop = current.flatMap { loop in self.eventLoopGroup.makeIterator().contains { $0 === loop } ? loop : nil }
            ?? self.eventLoopGroup.next()
        let key = PoolKey(origin: origin, eventLoop: ObjectIdentifier(eventLoop))
        return self.pools.withLock { pools in
            if let pool = pools[key] { return pool }
            var configuration = self.configuration
            configuration.maxConnectionsPerOrigin = max(1, (self.configuration.maxConnectionsPerOrigin + self.loopCount - 1) / self.loopCount)
            let pool = UpstreamConnectionPool(origin: origin, configuration: configuration, eventLoop: eventLoop, sslContext: self.sslContext)
            pools[key] = pool
            return pool
        }
    }

    /// Closes every idle connection; requests still running finish on theirs.
    public func shutdown() async {
        let pools = self.pools.withLock { Array($0.values) }
        for pool in pools { await pool.shutdown() }
    }
}
