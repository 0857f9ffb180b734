import Hummingbird
import Logging

/// The per-request context: Hummingbird's core storage plus the gateway's request id.
public struct SluiceRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The client's `X-Request-Id`, or one made for this request; echoed in the response.
    public var requestID: String

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.requestID = ""
    }
}
