import Tracing

/// The W3C trace context headers of one request or upstream call, as a propagator reads and
/// writes them. Only these two headers go in, so nothing else of a request (credentials
/// included) can reach a propagator's diagnostics.
struct TraceHeaderCarrier: Sendable {
    var traceparent: String?
    var tracestate: String?

    /// Reads the headers of a ``TraceHeaderCarrier``.
    struct Reader: Extractor {
        func extract(key: String, from carrier: TraceHeaderCarrier) -> String? {
            switch key {
            case "traceparent": carrier.traceparent
            case "tracestate": carrier.tracestate
            default: nil
            }
        }
    }

    /// Writes the headers of a ``TraceHeaderCarrier``.
    struct Writer: Injector {
        func inject(_ value: String, forKey key: String, into carrier: inout TraceHeaderCarrier) {
            switch key {
            case "traceparent": carrier.traceparent = value
            case "tracestate": carrier.tracestate = value
            default: break
            }
        }
    }
}
