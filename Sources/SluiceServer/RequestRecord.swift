import NIOCore
import SluiceConfig
import SluiceCore

/// What happened to one inference request, handed to a ``RequestRecorder`` when it ends.
public struct RequestRecord: Sendable {
    public var requestID: String
    public var endpoint: Endpoint
    /// The public model name the client asked for.
    public var model: String
    /// The public model that answered: the one asked for, or a fallback; nil when none did.
    public var servedModel: String?
    /// `provider:upstream-model` of the deployment that answered; nil when none did.
    public var deployment: String?
    public var stream: Bool
    /// The status the client saw: the HTTP status, or for a stream that failed after its head, the
    /// status of the error event; 499 when the client went away first.
    public var status: Int
    /// Deployments tried, retries and fallbacks included.
    public var attempts: Int
    public var usage: Usage?
    public var cost: Double
    public var latency: Duration
    public var timeToFirstToken: Duration?
    /// Time spent waiting on upstreams: the dispatch of a plain answer (retries included), from
    /// the dispatch to the end of a stream; nil when no deployment answered.
    public var upstreamDuration: Duration?
    /// The error code, when the request failed.
    public var errorCode: String?
    /// The virtual key that made the request; nil for a static key.
    public var keyID: String?
    public var tenantID: String?
    /// The request's unique id in the usage ledger.
    public var ledgerID = ""
    /// The request's trace (32 hex digits): the gateway's, or the client's `traceparent` when the gateway does not trace.
    public var traceID: String?
    /// The client's IP address.
    public var clientAddress: String?
    /// The prompt and the answer's text, kept only when the audit log records content.
    public var content: RequestContent?
    /// The answering deployment's prices.
    var price: Price?
    /// Whether `model` is one the config names. Metrics and live figures count every other name
    /// as one, so clients cannot grow their label sets.
    var modelIsConfigured = true

    /// The model name metrics and live figures count the request under.
    var countedModel: String { self.modelIsConfigured ? self.model : GatewayMetrics.unknownModel }

    /// The cost in micro-dollars, rounded up (past the last bits of floating-point error), at most
    /// ``maximumCostMicroUSD``: a price or usage far out of range must neither trap nor make the
    /// ledger's and budgets' sums overflow.
    public var costMicroUSD: Int64 { min(max(0, Int64(saturating: (self.cost * 1_000_000 - 1e-6).rounded(.up))), Self.maximumCostMicroUSD) }

    /// $9 billion (2^53 micro-dollars, exact as a Double): no request costs that; sums of a
    /// thousand such stay inside `Int64`.
    public static let maximumCostMicroUSD: Int64 = 1 << 53

    mutating func measureUpstream(since start: NIODeadline) {
        self.upstreamDuration = .nanoseconds((NIODeadline.now() - start).nanoseconds)
    }

    mutating func served(by dispatch: RoutePlanExecutor.Dispatch) {
        self.servedModel = dispatch.route.name
        self.deployment = dispatch.lease.deployment.label
        self.attempts = dispatch.attempts
        self.price = dispatch.lease.deployment.config.price
    }
}

/// Receives one record per finished inference request (the usage ledger, tests).
///
/// Called on the request path: implementations must return at once and do their I/O elsewhere.
public protocol RequestRecorder: Sendable {
    func record(_ record: RequestRecord)
}
