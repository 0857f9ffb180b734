/// How a call to an upstream failed below HTTP.
public enum UpstreamTransportError: Error, Sendable, Equatable {
    /// The connection could not be made in time.
    case connectTimeout
    /// The connection could not be made at all (refused, unresolvable, TLS failure).
    case connectFailed(String)
    /// The connection closed or broke before the response head arrived.
    case closedBeforeResponse
    /// The connection closed or broke while the body was arriving.
    case closedMidBody
    /// The request's deadline passed.
    case deadlineExceeded
    /// The client was shut down.
    case shutDown
}
