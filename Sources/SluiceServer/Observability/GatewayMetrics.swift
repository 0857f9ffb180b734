import NIOCore
import Prometheus
import SluiceCore
import Synchronization

/// The gateway's Prometheus metrics, in a registry of its own (several gateways can share a
/// process), living as long as the gateway: requests, latencies, tokens, spend, in-flight
/// requests, upstream errors, retries, fallbacks, refusals, gateway overhead and breaker states.
///
/// Label values come only from the configuration or from fixed sets: a model the config does not
/// name is `unknown`, tenants beyond the first ``tenantLimit`` are `other`, error codes outside
/// ``ErrorTypeLabel/knownCodes`` are `other`. API keys are never labels.
final class GatewayMetrics: Sendable {
    /// Distinct tenant label values; the rest share `other`.
    static let tenantLimit = 100
    /// The label value of a model name the config does not know.
    static let unknownModel = "unknown"

    let registry: PrometheusCollectorRegistry
    private let inFlight: Gauge
    private let state: Mutex<State>

    private struct State {
        var series: [RequestSeries.Key: RequestSeries] = [:]
        var tenants = LabelValueCap(limit: GatewayMetrics.tenantLimit)
        var upstreamErrors: [UpstreamErrorKey: Counter] = [:]
        var breakers: [BreakerKey: Gauge] = [:]
    }

    private struct UpstreamErrorKey: Hashable {
        var deployment: String
        var reason: String
    }

    private struct BreakerKey: Hashable {
        var model: String
        var deployment: String
    }

    init() {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        self.inFlight = registry.makeGauge(descriptor: MetricDescriptors.inFlight)
        self.state = Mutex(State())
    }

    // MARK: - Requests

    /// A request entered the path that ends in ``record(_:)``.
    func requestStarted() {
        self.inFlight.increment()
    }

    /// A request ended: counts it and its latencies, tokens and spend, and ends its time in flight.
    /// Requests for models the config does not name count under one label value, ``unknownModel``.
    func record(_ record: RequestRecord) {
        self.inFlight.decrement()
        let errorType = record.status < 400 ? "" : ErrorTypeLabel.value(code: record.errorCode, status: record.status)
        let series = self.series(
            endpoint: record.endpoint, model: record.countedModel, servedModel: record.servedModel, deployment: record.deployment,
            tenantID: record.tenantID, stream: record.stream, status: record.status, errorType: errorType
        )
        let latency = record.latency.inSeconds
        series.requests.increment()
        series.duration.record(latency)
        if record.attempts > 1 { series.retries.increment(by: Int64(record.attempts - 1)) }
        series.fallbacks?.increment()
        series.rateLimited?.increment()
        series.budgetExceeded?.increment()
        if let usage = record.usage, let tokens = series.tokens {
            tokens.input.record(Double(usage.promptTokens))
            tokens.output.record(Double(usage.completionTokens))
            tokens.cachedInput.record(Double(usage.cachedPromptTokens))
            tokens.cacheWriteInput.record(Double(usage.cacheWritePromptTokens))
        }
        if record.cost > 0 { series.cost?.increment(by: record.cost) }
        if let upstream = record.upstreamDuration { series.overhead?.record(max(0, latency - upstream.inSeconds)) }
        if let ttft = record.timeToFirstToken?.inSeconds, let timing = series.streamTiming {
            timing.timeToFirstToken.record(ttft)
            if let outputTokens = record.usage?.completionTokens, outputTokens > 1 {
                timing.timePerOutputToken.record((latency - ttft) / Double(outputTokens - 1))
            }
        }
    }

    private func series(
        endpoint: Endpoint, model: String, servedModel: String?, deployment: String?, tenantID: String?, stream: Bool, status: Int, errorType: String
    ) -> RequestSeries {
        self.state.withLock { state in
            let tenant = tenantID.map { state.tenants.label(for: $0) } ?? "none"
            let key = RequestSeries.Key(
                endpoint: endpoint, model: model, servedModel: servedModel, deployment: deployment, tenant: tenant, stream: stream, status: status, errorType: errorType
            )
            if let series = state.series[key] { return series }
            let series = RequestSeries(key, registry: self.registry)
            state.series[key] = series
            return series
        }
    }

    // MARK: - Upstreams

    /// An attempt on a deployment failed, or its stream broke.
    func upstreamFailed(deployment: String, error: GatewayError) {
        let key = UpstreamErrorKey(deployment: deployment, reason: ErrorTypeLabel.value(code: error.code, status: error.status))
        let counter = self.state.withLock { state in
            if let counter = state.upstreamErrors[key] { return counter }
            let counter = self.registry.makeCounter(
                descriptor: MetricDescriptors.upstreamErrors, labels: [("deployment", key.deployment), ("reason", key.reason)]
            )
            state.upstreamErrors[key] = counter
            return counter
        }
        counter.increment()
    }

    // MARK: - Scraping

    /// One deployment's circuit breaker, read at scrape time.
    struct BreakerReading {
        var model: String
        var deployment: String
        var phase: CircuitBreaker.Phase
    }

    /// The text exposition of every metric, with the breaker gauges set to `breakers`; gauges of
    /// deployments no longer configured are dropped.
    func exposition(breakers: [BreakerReading]) -> ByteBuffer {
        self.state.withLock { state in
            var current: [BreakerKey: Gauge] = [:]
            for reading in breakers {
                let key = BreakerKey(model: reading.model, deployment: reading.deployment)
                let gauge = state.breakers[key] ?? self.registry.makeGauge(
                    descriptor: MetricDescriptors.breakerState, labels: [("model", key.model), ("deployment", key.deployment)]
                )
                gauge.set(to: reading.phase.metricValue)
                current[key] = gauge
            }
            for (key, gauge) in state.breakers where current[key] == nil {
                self.registry.unregisterGauge(gauge)
            }
            state.breakers = current
        }
        return ByteBuffer(bytes: self.registry.emitToBuffer())
    }
}
