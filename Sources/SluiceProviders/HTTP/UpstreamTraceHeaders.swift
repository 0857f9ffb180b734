import Instrumentation
import NIOHTTP1

/// The W3C trace context (`traceparent`, `tracestate`) an upstream call carries, so the upstream
/// continues the gateway's trace (or the client's, when the gateway does not trace).
///
/// Set on `ServiceContext.current` around a provider call; ``UpstreamHTTPClient`` adds the
/// headers to every request it sends under it, so no provider has to.
public struct UpstreamTraceHeaders: Sendable, Equatable {
    public var traceparent: String
    public var tracestate: String?

    public init(traceparent: String, tracestate: String?) {
        self.traceparent = traceparent
        self.tracestate = tracestate
    }

    func add(to headers: inout HTTPHeaders) {
        headers.replaceOrAdd(name: "traceparent", value: self.traceparent)
        if let tracestate = self.tracestate { headers.replaceOrAdd(name: "tracestate", value: tracestate) } else { headers.remove(name: "tracestate") }
    }
}

extension ServiceContext {
    /// The trace headers for upstream calls made under this context.
    public var upstreamTraceHeaders: UpstreamTraceHeaders? {
        get { self[UpstreamTraceHeadersKey.self] }
        set { self[UpstreamTraceHeadersKey.self] = newValue }
    }
}

private enum UpstreamTraceHeadersKey: ServiceContextKey {
    typealias Value = UpstreamTraceHeaders
}
