import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import SluiceCore
import Synchronization

/// The HTTP/1.1 client for upstream calls: a pool of kept-alive connections per origin, each
/// request written in one flush, a plain answer handed over whole with one wake-up, a streamed
/// one part by part as it arrives.
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
        /// Connections per origin; requests beyond it wait for a free one.
        public var maxConnectionsPerOrigin = 256
        public var connectTimeout: TimeAmount = .seconds(5)
        /// Idle connections close after this long.
        public var idleTimeout: TimeAmount = .seconds(60)

        public init() {}
    }

    private let configuration: Configuration
    private let eventLoopGroup: any EventLoopGroup
    private let sslContext: NIOSSLContext?
    private let pools = Mutex<[UpstreamOrigin: UpstreamConnectionPool]>([:])

    public init(configuration: Configuration, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.sslContext = try? NIOSSLContext(configuration: .makeClientConfiguration())
    }

    /// Sends `body` with `head` to `origin`.
    /// - Parameter streaming: hand the body over part by part instead of whole.
    /// - Throws: ``UpstreamTransportError``, or `CancellationError` when the calling task is cancelled.
    public func execute(
        origin: UpstreamOrigin, head: HTTPRequestHead, body: ByteBuffer, deadline: NIODeadline, streaming: Bool
    ) async throws -> UpstreamResponse {
        try await self.pool(for: origin).execute(head: head, body: body, deadline: deadline, streaming: streaming)
    }

    private func pool(for origin: UpstreamOrigin) -> UpstreamConnectionPool {
        self.pools.withLock { pools in
            if let pool = pools[origin] { return pool }
            let pool = UpstreamConnectionPool(origin: origin, configuration: self.configuration, eventLoopGroup: self.eventLoopGroup, sslContext: self.sslContext)
            pools[origin] = pool
            return pool
        }
    }

    /// Closes every idle connection; requests still running finish on theirs.
    public func shutdown() async {
        let pools = self.pools.withLock { Array($0.values) }
        for pool in pools { await pool.shutdown() }
    }
}
