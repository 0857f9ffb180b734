import Hummingbird
import Logging
import NIOCore

/// The per-request context: Hummingbird's core storage, the gateway's request id, and the
/// client connection (whose close cancels a stream in flight).
public struct SluiceRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The client's `X-Request-Id`, or one made for this request; echoed in the response.
    public var requestID: String
    /// Unique among all requests: the request id, with a gateway-made suffix when the client chose it.
    var ledgerID = ""
    /// Completes when the client connection closes.
    let connectionClosed: EventLoopFuture<Void>
    let remoteAddress: SocketAddress?
    /// The client connection, asked for its TLS client certificate by the routes that need one.
    let connection: any Channel
    /// Who is calling, once the client key is checked.
    var caller = Caller.staticKey

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.requestID = ""
        self.connectionClosed = source.channel.closeFuture
        self.remoteAddress = source.channel.remoteAddress
        self.connection = source.channel
    }
}
