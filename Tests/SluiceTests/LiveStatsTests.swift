import SluiceCore
import Testing

@testable import SluiceServer

@Suite("Live statistics: the rolling window, percentiles, tenant × model tallies")
struct LiveStatsTests {
    private static func record(
        latencyMillis: Int, ttftMillis: Int? = nil, status: Int = 200, tenant: String? = nil, model: String = "m", tokens: (Int, Int) = (0, 0)
    ) -> RequestRecord {
        RequestRecord(
            requestID: "r", endpoint: .chatCompletions, model: model, servedModel: model, deployment: "mock:m", stream: ttftMillis != nil,
            status: status, attempts: 1, usage: Usage(promptTokens: tokens.0, completionTokens: tokens.1), cost: Double(tokens.0) / 1_000_000,
            latency: .milliseconds(latencyMillis), timeToFirstToken: ttftMillis.map { .milliseconds($0) }, tenantID: tenant
        )
    }

    @Test func percentilesFollowTheLatenciesWithinTheHistogramsPrecision() throws {
        let stats = LiveStats(startedAt: 1_000)
        for millis in 1...100 { stats.record(Self.record(latencyMillis: millis, ttftMillis: millis * 10), atSecond: 1_000) }
        let window = stats.snapshot(now: 1_000).window
        let latency = try #require(window.latencyMs)
        let ttft = try #require(window.ttftMs)
        for (value, expected) in [(latency.p50, 50.0), (latency.p95, 95), (latency.p99, 99), (ttft.p50, 500), (ttft.p99, 990)] {
            #expect(value >= expected && value <= expected * (1 + 1.0 / 16), "\(value) for \(expected)")
        }
    }

    @Test func secondsOlderThanTheWindowAreForgottenButStayInTheTotals() {
        let stats = LiveStats(startedAt: 1_000)
        for _ in 0..<3 { stats.record(Self.record(latencyMillis: 900, status: 502), atSecond: 1_000) }
        stats.record(Self.record(latencyMillis: 5), atSecond: 1_599)
        #expect(stats.snapshot(now: 1_599).window.requests == 4)

        stats.record(Self.record(latencyMillis: 5), atSecond: 1_600)  // the slot of second 1,000
        let later = stats.snapshot(now: 1_600)
        #expect(later.window.requests == 2)
        #expect(later.window.errors == 0)
        #expect((later.window.latencyMs?.p99 ?? 0) < 6, "the slow seconds left the window")
        #expect(later.totals.requests == 5)
        #expect(later.totals.errors == 3)
        #expect(later.stepSeconds == 5)
        #expect(later.series.first?.t == 1_000 && later.series.last?.t == 1_600)
        #expect(later.series.reduce(0) { $0 + $1.requests } == 2)

        stats.record(Self.record(latencyMillis: 5), atSecond: 1_000)  // late, for a second already reused
        #expect(stats.snapshot(now: 1_600).window.requests == 2)
    }

    @Test func theSeriesHasOnePointPerStepWithRatesPerSecond() {
        let stats = LiveStats(startedAt: 1_000)
        for second in 1_000..<1_010 {
            for _ in 0..<Int(second - 999) { stats.record(Self.record(latencyMillis: 10, status: second == 1_004 ? 500 : 200), atSecond: Int64(second)) }
        }
        let perSecond = stats.snapshot(now: 1_009)
        #expect(perSecond.stepSeconds == 1)
        #expect(perSecond.series.map(\.requests) == Array(1...10))
        #expect(perSecond.series[4].errorRate == 1)
        let perFive = stats.snapshot(step: 5, now: 1_009)
        #expect(perFive.series.map(\.t) == [1_000, 1_005])
        #expect(perFive.series.map(\.rate) == [3, 8])
        #expect(perFive.window.rate == 5.5)
    }

    @Test func tenantModelPairsPastTheLimitShareOneTally() throws {
        let stats = LiveStats(startedAt: 1_000)
        for tenant in 0..<(LiveStats.maxUsagePairs + 10) {
            stats.record(Self.record(latencyMillis: 1, tenant: "t\(tenant)", tokens: (tenant, 1)), atSecond: 1_000)
        }
        stats.record(Self.record(latencyMillis: 1, tenant: "t0", tokens: (7, 3)), atSecond: 1_700)
        let snapshot = stats.snapshot(now: 1_700)
        #expect(snapshot.usage.count == LiveStats.maxUsagePairs)
        let other = try #require(snapshot.otherUsage)
        #expect(other.total.requests == 10)
        #expect(other.window.requests == 0, "minute 16 is past the ten minutes before minute 28")
        #expect(other.model == nil)
        let first = try #require(snapshot.usage.first { $0.tenantId == "t0" })
        #expect(first.total.requests == 2)
        #expect(first.total.inputTokens == 7)
        #expect(first.total.outputTokens == 4)
        #expect(first.window.requests == 1)
        #expect(first.window.inputTokens == 7)
        #expect(snapshot.usage.first?.tenantId == "t\(LiveStats.maxUsagePairs - 1)", "the biggest spender first")
    }
}
