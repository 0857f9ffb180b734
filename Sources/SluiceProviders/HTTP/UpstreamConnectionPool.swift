import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import SluiceCore
import Synchronization

/// The kept-alive connections to one upstream origin on one event loop, at most a configured
/// number at a time; requests beyond that wait for a connection in arrival order.
final class UpstreamConnectionPool: Sendable {
    let origin: UpstreamOrigin
    private let configuration: UpstreamHTTPClient.Configuration
    private let eventLoop: any EventLoop
    /// The TLS context of an `https` origin's connections; nil for `http`.
    private let tls: Result<NIOSSLContext, TLSContextUnavailable>?
    private let state = Mutex(State())

    private struct State {
        var idle: [UpstreamConnection] = []
        /// Connections open or being opened; each is counted until it closes.
        var open = 0
        var waiters: [(id: Int, continuation: UnsafeContinuation<Grant, any Error>)] = []
        var nextID = 0
        var isShutDown = false
    }

    /// What a waiting request is given: an idle connection, or the right to open one.
    private enum Grant {
        case connection(UpstreamConnection)
        case open
    }

    init(origin: UpstreamOrigin, configuration: UpstreamHTTPClient.Configuration, eventLoop: any EventLoop, tls: Result<NIOSSLContext, TLSContextUnavailable>?) {
        self.origin = origin
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.tls = tls
    }

    /// Sends one request. A kept-alive connection the upstream closed just as it was reused is
    /// retried once on another connection, since the upstream never answered on it.
    func execute(head: HTTPRequestHead, body: ByteBuffer, deadline: NIODeadline, streaming: Bool) async throws -> UpstreamResponse {
        var attempts = 0
        while true {
            attempts += 1
            let (connection, reused) = try await self.lease()
            do {
                return try await connection.execute(head: head, body: body, deadline: deadline, streaming: streaming)
            } catch UpstreamTransportError.closedBeforeResponse where reused && attempts < 3 {
                continue
            }
        }
    }

    private func lease() async throws -> (UpstreamConnection, reused: Bool) {
        enum Action {
            case use(UpstreamConnection)
            case open
            case wait
        }
        let action = try self.state.withLock { state throws -> Action in
            guard !state.isShutDown else { throw UpstreamTransportError.shutDown }
            while let connection = state.idle.popLast() {
                if connection.isActive { return .use(connection) }
            }
            if state.open < self.configuration.maxConnectionsPerOrigin {
                state.open += 1
                return .open
            }
            return .wait
        }
        switch action {
        case .use(let connection):
            return (connection, true)
        case .open:
            return (try await self.open(), false)
        case .wait:
            switch try await self.waitForGrant() {
            case .connection(let connection): return (connection, true)
            case .open: return (try await self.open(), false)
            }
        }
    }

    private func waitForGrant() async throws -> Grant {
        let id = self.state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                let cancelled = self.state.withLock { state in
                    if Task.isCancelled { return true }
                    state.waiters.append((id, continuation))
                    return false
                }
                if cancelled { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let waiter = self.state.withLock { state -> UnsafeContinuation<Grant, any Error>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Opens a connection in a slot already counted in `open`; gives the slot back on failure.
    private func open() async throws -> UpstreamConnection {
        let origin = self.origin
        let idleTimeout = self.configuration.idleTimeout
        do {
            let sslContext: NIOSSLContext?
            switch self.tls {
            case nil: sslContext = nil
            case .success(let context): sslContext = context
            case .failure(let unavailable): throw UpstreamTransportError.connectFailed("TLS is not available: \(unavailable.reason)")
            }
            // The configured server name, else the host (no SNI for an IP address, whose certificate is checked against the address).
            let serverHostname = origin.tlsSettings?.serverName ?? (origin.isIPAddress ? nil : origin.host)
            let connection = try await ClientBootstrap(group: self.eventLoop)
                .connectTimeout(self.configuration.connectTimeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: origin.host, port: origin.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        if let sslContext {
                            try sync.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: serverHostname))
                        }
                        try sync.addHTTPClientHandlers()
                        let handler = UpstreamConnectionHandler(idleTimeout: idleTimeout)
                        try sync.addHandler(handler)
                        let connection = UpstreamConnection(channel: channel, handler: handler)
                        connection.attach(to: self)
                        return connection
                    }
                }
            return connection
        } catch {
            self.slotFreed()
            throw Self.connectError(error)
        }
    }

    private static func connectError(_ error: any Error) -> any Error {
        switch error {
        case let error as UpstreamTransportError: error
        case ChannelError.connectTimeout: UpstreamTransportError.connectTimeout
        case let error as NIOConnectionError:
            UpstreamTransportError.connectFailed(error.connectionErrors.first.map { "\($0.error)" } ?? "\(error)")
        default: UpstreamTransportError.connectFailed("\(error)")
        }
    }

    /// A connection finished an exchange and can take another.
    func release(_ connection: UpstreamConnection) {
        let waiter = self.state.withLock { state -> UnsafeContinuation<Grant, any Error>? in
            guard !state.isShutDown else { return nil }
            if state.waiters.isEmpty {
                state.idle.append(connection)
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        waiter?.resume(returning: .connection(connection))
    }

    /// A connection closed: its slot is free.
    func closed(_ connection: UpstreamConnection) {
        self.state.withLock { state in
            state.idle.removeAll { $0 === connection }
        }
        self.slotFreed()
    }

    private func slotFreed() {
        let waiter = self.state.withLock { state -> UnsafeContinuation<Grant, any Error>? in
            state.open -= 1
            guard !state.waiters.isEmpty, !state.isShutDown else { return nil }
            state.open += 1
            return state.waiters.removeFirst().continuation
        }
        waiter?.resume(returning: .open)
    }

    /// Closes idle connections and fails waiting requests; busy connections finish their exchange.
    func shutdown() async {
        let (idle, waiters) = self.state.withLock { state in
            state.isShutDown = true
            defer {
                state.idle = []
                state.waiters = []
            }
            return (state.idle, state.waiters)
        }
        for waiter in waiters { waiter.continuation.resume(throwing: UpstreamTransportError.shutDown) }
        for connection in idle { try? await connection.channel.close() }
    }
}
