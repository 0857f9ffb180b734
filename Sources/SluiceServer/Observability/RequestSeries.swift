import Prometheus
import SluiceCore

/// The instruments one kind of finished request feeds, made once per label set and then reused,
/// so that recording a request allocates nothing. A class, so that taking it from the cache is
/// one retain rather than one per instrument. Instruments that cannot apply to the kind
/// (tokens of a request no deployment answered, time to first token of a plain answer) are nil,
/// so they show no empty series.
final class RequestSeries: Sendable {
    /// What tells request series apart; every value is already bounded (configured names,
    /// capped tenants, known error codes).
    struct Key: Hashable, Sendable {
        var endpoint: Endpoint
        var model: String
        var servedModel: String?
        var deployment: String?
        var tenant: String
        var stream: Bool
        var status: Int
        var errorType: String
    }

    /// Token counts by `gen_ai_token_type`.
    struct Tokens: Sendable {
        let input: ValueHistogram
        let output: ValueHistogram
        let cachedInput: ValueHistogram
        let cacheWriteInput: ValueHistogram
    }

    /// Time to first token, and per output token after it.
    struct StreamTiming: Sendable {
        let timeToFirstToken: ValueHistogram
        let timePerOutputToken: ValueHistogram
    }

    let requests: Counter
    let duration: ValueHistogram
    let retries: Counter
    let tokens: Tokens?
    let cost: Counter?
    let overhead: ValueHistogram?
    let streamTiming: StreamTiming?
    let fallbacks: Counter?
    let rateLimited: Counter?
    let budgetExceeded: Counter?

    init(_ key: Key, registry: PrometheusCollectorRegistry) {
        let operation = ("gen_ai_operation_name", GenAINames.operation(key.endpoint))
        let requestModel = ("gen_ai_request_model", key.model)
        let responseModel = ("gen_ai_response_model", key.servedModel ?? "none")
        let provider = ("gen_ai_provider_name", key.deployment.map(Self.providerName) ?? "none")
        let deployment = ("deployment", key.deployment ?? "none")
        let tenant = ("tenant", key.tenant)
        let route = [operation, requestModel, responseModel, provider, deployment]
        let outcome = route + [tenant, ("status_code", String(key.status)), ("error_type", key.errorType)]
        func histogram(_ descriptor: MetricNameDescriptor, _ labels: [(String, String)], _ buckets: [Double]) -> ValueHistogram {
            registry.makeValueHistogram(descriptor: descriptor, labels: labels, buckets: buckets)
        }

        self.requests = registry.makeCounter(descriptor: MetricDescriptors.requests, labels: outcome)
        self.duration = histogram(MetricDescriptors.operationDuration, outcome, MetricBuckets.operationDuration)
        self.retries = registry.makeCounter(descriptor: MetricDescriptors.retries, labels: [requestModel])
        let served = key.servedModel != nil
        self.tokens = served ? Tokens(
            input: histogram(MetricDescriptors.tokenUsage, route + [tenant, ("gen_ai_token_type", "input")], MetricBuckets.tokens),
            output: histogram(MetricDescriptors.tokenUsage, route + [tenant, ("gen_ai_token_type", "output")], MetricBuckets.tokens),
            cachedInput: histogram(MetricDescriptors.tokenUsage, route + [tenant, ("gen_ai_token_type", "cached_input")], MetricBuckets.tokens),
            cacheWriteInput: histogram(MetricDescriptors.tokenUsage, route + [tenant, ("gen_ai_token_type", "cache_write_input")], MetricBuckets.tokens)
        ) : nil
        self.cost = served ? registry.makeCounter(descriptor: MetricDescriptors.cost, labels: route + [tenant]) : nil
        self.overhead = served ? histogram(MetricDescriptors.overhead, [operation, provider], MetricBuckets.overhead) : nil
        self.streamTiming = served && key.stream ? StreamTiming(
            timeToFirstToken: histogram(MetricDescriptors.timeToFirstToken, route, MetricBuckets.timeToFirstToken),
            timePerOutputToken: histogram(MetricDescriptors.timePerOutputToken, route, MetricBuckets.timePerOutputToken)
        ) : nil
        self.fallbacks = served && key.servedModel != key.model
            ? registry.makeCounter(descriptor: MetricDescriptors.fallbacks, labels: [requestModel, responseModel]) : nil
        self.rateLimited = key.errorType == "rate_limit_exceeded"
            ? registry.makeCounter(descriptor: MetricDescriptors.rateLimited, labels: [requestModel, tenant]) : nil
        self.budgetExceeded = key.errorType == "budget_exceeded"
            ? registry.makeCounter(descriptor: MetricDescriptors.budgetExceeded, labels: [requestModel, tenant]) : nil
    }

    /// The provider kind of a deployment label (`provider:upstream-model`).
    static func providerName(_ deployment: String) -> String {
        String(deployment.prefix { $0 != ":" })
    }
}
