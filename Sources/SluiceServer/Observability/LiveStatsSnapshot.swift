import Histogram

/// The live figures as `GET /admin/stats` shows them (snake_case JSON). Latencies are in
/// milliseconds; rates per second; spend in US dollars.
struct LiveStatsSnapshot: Encodable, Sendable {
    /// Unix seconds.
    var now: Int64
    var startedAt: Int64
    var windowSeconds: Int
    var stepSeconds: Int
    /// One point per step, oldest first, from the start of the window (or of the gateway).
    var series: [Traffic]
    /// The whole window.
    var window: Traffic
    /// Since the start.
    var totals: Tally
    /// Per tenant × model, busiest first.
    var usage: [PairUsage]
    /// Every tenant × model pair past the tracked number, together.
    var otherUsage: PairUsage?

    /// Latency percentiles in milliseconds.
    struct Percentiles: Encodable, Sendable {
        var p50: Double
        var p95: Double
        var p99: Double

        /// Nil for an empty histogram.
        init?(_ histogram: Histogram<UInt32>) {
            guard histogram.totalCount > 0 else { return nil }
            func milliseconds(_ percentile: Double) -> Double {
                (Double(histogram.valueAtPercentile(percentile)) / 10).rounded() / 100
            }
            self.p50 = milliseconds(50)
            self.p95 = milliseconds(95)
            self.p99 = milliseconds(99)
        }
    }

    /// Requests, errors, rates and percentiles over a span of seconds: one step of the series, or
    /// the whole window.
    struct Traffic: Encodable, Sendable {
        /// The span's first second.
        var t: Int64
        /// The span's seconds inside the window (fewer for a step at either end).
        var seconds: Int64
        var requests: Int
        var errors: Int
        var rate: Double
        var errorRate: Double
        var latencyMs: Percentiles?
        var ttftMs: Percentiles?

        init(start: Int64, seconds: Int64, merged: MergedSeconds) {
            self.t = start
            self.seconds = seconds
            self.requests = merged.requests
            self.errors = merged.errors
            self.rate = Double(merged.requests) / Double(max(1, seconds))
            self.errorRate = merged.requests == 0 ? 0 : Double(merged.errors) / Double(merged.requests)
            self.latencyMs = Percentiles(merged.latency)
            self.ttftMs = Percentiles(merged.timeToFirstToken)
        }
    }

    struct Tally: Encodable, Sendable {
        var requests: Int64
        var errors: Int64
        var inputTokens: Int64
        var outputTokens: Int64
        var costUsd: Double

        init(_ tally: UsageTally) {
            self.requests = tally.requests
            self.errors = tally.errors
            self.inputTokens = tally.inputTokens
            self.outputTokens = tally.outputTokens
            self.costUsd = Double(tally.costMicroUSD) / 1_000_000
        }
    }

    struct PairUsage: Encodable, Sendable {
        /// Nil for a static key from the config.
        var tenantId: String?
        var model: String?
        var window: Tally
        var total: Tally

        init(_ figures: TenantModelUsage.Figures) {
            self.tenantId = figures.pair?.tenantID
            self.model = figures.pair?.model
            self.window = Tally(figures.window)
            self.total = Tally(figures.total)
        }
    }
}
