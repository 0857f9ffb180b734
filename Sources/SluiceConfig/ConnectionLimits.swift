/// How many client connections the gateway holds and how long a client may take to use one.
///
/// A connection costs a file descriptor whether or not its client sends anything, so every phase
/// in which the client, not the gateway, is expected to act has a deadline.
public struct ConnectionLimits: Sendable, Equatable {
    /// Open client connections at most; beyond it the gateway stops accepting until one closes
    /// (new clients wait in the listen backlog).
    public var maxConnections = 8192
    /// Open connections from one client address at most; a further one is closed at once.
    public var maxConnectionsPerAddress = 512
    /// From a new connection, or the first byte of a kept-alive connection's next request, to the
    /// end of the request head.
    public var headerReadTimeout: Duration = .seconds(10)
    /// From the end of the request head to the end of its body.
    public var bodyReadTimeout: Duration = .seconds(60)
    /// How long a kept-alive connection may wait for its next request.
    public var keepAliveTimeout: Duration = .seconds(60)

    public init() {}
}
