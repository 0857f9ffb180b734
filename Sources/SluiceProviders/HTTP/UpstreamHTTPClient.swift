import Instrumentation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import SluiceConfig
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
    /// One TLS context per distinct TLS setting (the default, and each deployment's `tls`), built
    /// when a pool first needs it and shared by every pool with that setting.
    private let tlsContexts = Mutex<[UpstreamTLS?: Result<NIOSSLContext, TLSContextUnavailable>]>([:])
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
            let tls = origin.tls ? self.tlsContext(for: origin.tlsSettings) : nil
            let pool = UpstreamConnectionPool(origin: origin, configuration: configuration, eventLoop: eventLoop, tls: tls)
            pools[key] = pool
            return pool
        }
    }

    /// The context for connections with `settings`, built on first use. The config loader built one
    /// from the same bytes to check them, so a failure here is rare (resources); it fails the
    /// pool's connections with its reason rather than the process.
    private func tlsContext(for settings: UpstreamTLS?) -> Result<NIOSSLContext, TLSContextUnavailable> {
        self.tlsContexts.withLock { contexts in
            if let context = contexts[settings] { return context }
            let context = Result { try NIOSSLContext(configuration: TLSConfiguration.upstream(settings)) }.mapError { TLSContextUnavailable(reason: "\($0)") }
            contexts[settings] = context
            return context
        }
    }

    /// Closes every idle connection; requests still running finish on theirs.
    public func shutdown() async {
        let pools = self.pools.withLock { Array($0.values) }
        for pool in pools { await pool.shutdown() }
    }
}

/// Why no TLS context could be built for an upstream's connections.
struct TLSContextUnavailable: Error {
    let reason: String
}
