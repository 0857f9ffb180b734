import Hummingbird
import Logging
import NIOCore

/// The per-request context: Hummingbird's core storage, the gateway's request id, and the
/// client connection (whose close cancels a stream in flight).
public struct SluiceRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The client's `X-Request-Id`, or one made for this request; echoed in the response.
    public var requestID: String
    /// Completes when the client connection closes.
    let connectionClosed: EventLoopFuture<Void>

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.requestID = ""
        self.connectionClosed = source.channel.closeFuture
    }
}
