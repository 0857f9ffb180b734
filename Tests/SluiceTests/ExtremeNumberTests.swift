import NIOCore
import SluiceCore
import SluiceProviders
import Testing

@testable import SluiceServer
@testable import SluiceStore

/// Numbers from outside at the edges of their types: ±2^63, 10^17, 10^308, infinities, NaN, -0
/// and negatives, through the arithmetic that reads them. Nothing may trap.
@Suite("Saturating arithmetic and the range checks on outside numbers")
struct ExtremeNumberTests {
    @Test func integerArithmeticSaturatesAtBothEnds() {
        #expect(Int64.max.addingWithSaturation(1) == .max)
        #expect(Int64.min.addingWithSaturation(-1) == .min)
        #expect(Int64.max.addingWithSaturation(Int64.min) == -1)
        #expect(Int64.min.subtractingWithSaturation(1) == .min)
        #expect(Int64.max.subtractingWithSaturation(-1) == .max)
        #expect(Int64(0).subtractingWithSaturation(.min) == .max)
        #expect(Int64.min.multipliedWithSaturation(by: -1) == .max)
        #expect(Int64.max.multipliedWithSaturation(by: 2) == .max)
        #expect(Int64.min.multipliedWithSaturation(by: 2) == .min)
        #expect(Int64(-3).multipliedWithSaturation(by: .max) == .min)
        #expect(Int64(100_000_000_000_000_000).multipliedWithSaturation(by: 1000) == .max, "10^17 seconds in milliseconds")
        #expect(Int64(-9_223_372_036_854_775_807).multipliedWithSaturation(by: 1000) == .min)
        #expect(Int64(12).addingWithSaturation(30) == 42)
        #expect(Int64(-7).multipliedWithSaturation(by: 6) == -42)
        #expect(UInt8(250).addingWithSaturation(10) == 255)
        #expect(UInt8(5).subtractingWithSaturation(10) == 0)
        #expect([Int.max, 1, -5].sumWithSaturation() == Int.max - 5)
        #expect([Int.min, -1].sumWithSaturation() == Int.min)
    }

    @Test func floatingPointConvertsToIntegersWithoutTrapping() {
        let cases: [(Double, Int64)] = [
            (1e17, 100_000_000_000_000_000), (1e308, .max), (-1e308, .min), (.infinity, .max), (-.infinity, .min), (.nan, 0),
            (-0.0, 0), (9_223_372_036_854_775_807.0, .max), (-9_223_372_036_854_775_808.0, .min), (1.9, 1), (-1.9, -1),
            (.greatestFiniteMagnitude, .max), (.leastNonzeroMagnitude, 0),
        ]
        for (value, expected) in cases {
            #expect(Int64(saturating: value) == expected, "\(value)")
        }
        #expect(Int(saturating: Float.infinity) == .max)
        #expect(UInt32(saturating: -1.0) == 0)
    }

    @Test func gcraRefusesAHugeCostAndLeavesTheCellAsItWas() {
        let now: Int64 = 1_700_000_000_000_000
        for limit in [1, 1_000, Int.max] {
            let rule = GCRA(limit: limit)
            for cost in [Int64(100_000_000_000_000_000), .max] {
                var tat = now
                let decision = rule.take(cost, tat: &tat, now: now)
                #expect(decision.allowed == (limit == Int.max), "limit \(limit), cost \(cost): allowed only when it fits the limit")
                if !decision.allowed {
                    #expect(tat == now, "a refused take does not move the cell")
                    #expect(decision.wait > 0)
                }
            }
        }
        // A cell whose arrival time sits at the end of time still answers.
        var late = Int64.max
        let decision = GCRA(limit: 10).take(.max, tat: &late, now: .max - 1)
        #expect(!decision.allowed)
        #expect(RequestLimits.seconds(decision.wait) >= 1)
    }

    @Test func theKeysTokenLimiterRefusesAHugeRequestWithoutTrapping() async {
        let limiter = RateLimiter(sharedStore: nil, logger: .init(label: "test"))
        let huge = await limiter.take("key:k:tpm", cost: 100_000_000_000_000_000, limit: 1_000)
        #expect(!huge.allowed)
        #expect(huge.wait > 0)
        let largest = await limiter.take("key:other:tpm", cost: .max, limit: .max)
        #expect(largest.limit == .max)
        #expect(await limiter.take("key:k:tpm", cost: 10, limit: 1_000).allowed, "a normal request still fits")
    }

    @Test func theSharedStoresRateStepSaturates() {
        let step = RateTakeRequest(cell: "c", cost: .max, emissionIntervalMicros: .max, burstToleranceMicros: 60_000_000, nowMicros: 1_000).step(storedTAT: .max)
        #expect(step.decision == .denied(retryAfterMicros: Int64.max - 60_000_000 - 1_000))
        let negative = RateTakeRequest(cell: "c", cost: .min, emissionIntervalMicros: 2, burstToleranceMicros: .min, nowMicros: .min).step(storedTAT: nil)
        #expect(negative.decision == .denied(retryAfterMicros: .max))
    }

    @Test func budgetLeaseGrantsSaturate() {
        let request = BudgetLeaseRequest(key: .init(budgetID: "b", periodStart: 0), instanceID: "i", amount: .max, limit: .max, now: .min, leaseTTL: .max)
        #expect(request.grant(spent: .min, leased: .min) == .max)
        #expect(request.grant(spent: .max, leased: .max) == 0)
        #expect(request.liveAfter == .min)
        let merged = [BudgetSettlement(key: .init(budgetID: "b", periodStart: 0), instanceID: "i", amount: .max),
                      BudgetSettlement(key: .init(budgetID: "b", periodStart: 0), instanceID: "i", amount: .max)].mergedByPeriodAndInstance()
        #expect(merged.map(\.amount) == [.max])
    }

    @Test func twoRequestsOfFiveQuintillionTokensCountWithoutOverflowAndBalanceOut() {
        let health = DeploymentHealth(breaker: CircuitBreaker(failureThreshold: 3, initialOpenFor: .seconds(1), maximumOpenFor: .seconds(4)))
        #expect(health.begin(tokens: 5_000_000_000_000_000_000, at: .now()))
        #expect(health.begin(tokens: 5_000_000_000_000_000_000, at: .now()))
        #expect(health.begin(tokens: -5, at: .now()))
        #expect(health.snapshot.outstandingTokens == 2 * DeploymentHealth.maximumTokensPerRequest)
        health.end(tokens: 5_000_000_000_000_000_000, outcome: .abandoned, at: .now())
        health.end(tokens: 5_000_000_000_000_000_000, outcome: .abandoned, at: .now())
        health.end(tokens: -5, outcome: .abandoned, at: .now())
        #expect(health.snapshot.outstandingTokens == 0)
        #expect(health.snapshot.inFlight == 0)
        var snapshot = health.snapshot
        snapshot.inFlight = 3
        snapshot.waiting = .max
        #expect(snapshot.load == .max)
    }

    @Test func aModelServersGaugesAreKeptInRange() {
        let cap = DeploymentHealth.BackendLoad.maximumWaiting
        #expect(BackendMetricsScraper.waiting([1e308, 1e308]) == cap, "a sum past Double's range")
        #expect(BackendMetricsScraper.waiting([9.3e18]) == cap)
        #expect(BackendMetricsScraper.waiting([-9.3e18]) == 0)
        #expect(BackendMetricsScraper.waiting([.nan, 4]) == 4)
        #expect(BackendMetricsScraper.waiting([-0.0]) == 0)
        #expect(BackendMetricsScraper.waiting([]) == 0)
        #expect(BackendMetricsScraper.cacheUsage([7.5]) == 1)
        #expect(BackendMetricsScraper.cacheUsage([-3]) == 0)
        #expect(BackendMetricsScraper.cacheUsage([.nan]) == nil)
        #expect(BackendMetricsScraper.cacheUsage([.infinity, 0.5]) == 1)
        #expect(BackendMetricsScraper.cacheUsage([]) == nil)
    }

    @Test func upstreamUsageIsClampedWhereItIsRead() {
        let huge = Usage(promptTokens: .max, completionTokens: .max, cachedPromptTokens: .max)
        #expect(huge.promptTokens == Usage.maximumCount)
        #expect(huge.totalTokens == 2 * Usage.maximumCount)
        #expect(huge.cachedPromptTokens == Usage.maximumCount)
        let negative = Usage(promptTokens: .min, completionTokens: -1, cachedPromptTokens: 5)
        #expect(negative == Usage(promptTokens: 0, completionTokens: 0, cachedPromptTokens: 0))

        let json = #"{"usage":{"prompt_tokens":-5,"completion_tokens":1e400,"total_tokens":1.5,"prompt_tokens_details":{"cached_tokens":99999999999999999999999}}}"#
        let read = Array(json.utf8).withUnsafeBytes { bytes -> Usage? in
            guard let member = try? JSONScanner.topLevelMembers(of: bytes).member("usage") else { return nil }
            return Usage(openAIUsage: member, in: bytes)
        }
        #expect(read == Usage(promptTokens: 0, completionTokens: 0, cachedPromptTokens: 0))
        let past = #"{"usage":{"prompt_tokens":9223372036854775808,"completion_tokens":9223372036854775807,"prompt_tokens_details":{"cached_tokens":-0}}}"#
        let pastRead = Array(past.utf8).withUnsafeBytes { bytes -> Usage? in
            guard let member = try? JSONScanner.topLevelMembers(of: bytes).member("usage") else { return nil }
            return Usage(openAIUsage: member, in: bytes)
        }
        #expect(pastRead == Usage(promptTokens: Usage.maximumCount, completionTokens: Usage.maximumCount, cachedPromptTokens: 0))
    }

    @Test func costsConvertToMicroDollarsWithoutTrapping() {
        var record = RequestRecord(
            requestID: "r", endpoint: .chatCompletions, model: "m", servedModel: "m", deployment: "mock:m", stream: false, status: 200, attempts: 1,
            usage: nil, cost: 0, latency: .zero, timeToFirstToken: nil, tenantID: nil
        )
        for (cost, expected) in [(1e300, RequestRecord.maximumCostMicroUSD), (.infinity, RequestRecord.maximumCostMicroUSD), (.nan, 0), (-1e300, 0), (-0.0, 0), (0.000039, 39)] {
            record.cost = cost
            #expect(record.costMicroUSD == expected, "\(cost)")
        }
        var tally = UsageTally(record)
        record.cost = 1e300
        for _ in 0..<2000 { tally.add(UsageTally(record)) }
        #expect(tally.costMicroUSD == .max, "live figures saturate")
    }

    @Test func waitsAndAmountsRenderWithoutTrapping() {
        #expect(RequestLimits.seconds(.max) == Int(Int64.max / 1_000_000))
        #expect(RequestLimits.seconds(1) == 1)
        #expect(RateLimitHeaders.duration(.max).hasSuffix("s"))
        #expect(RateLimitHeaders.duration(-5) == "0ms")
        #expect(BudgetBook.dollars(-1_500_000) == "-1.5")
        #expect(BudgetBook.dollars(.min) == "-9223372036854.775808")
        #expect(BudgetBook.dollars(39) == "0.000039")
    }

    @Test func anUpstreamsRetryAfterIsPassedOnWithinRange() {
        let cases: [(String, String?)] = [
            ("7", "7"), (" 7 ", "7"), ("1.5", "2"), ("-5", nil), ("-0", "0"), ("0", "0"), ("+3", "3"),
            ("99999999999999999999999", String(UpstreamRetryAfter.maximumSeconds)), ("9223372036854775807", String(UpstreamRetryAfter.maximumSeconds)),
            ("1e400", nil), ("NaN", nil), ("inf", nil), ("", nil), ("soon", nil),
            ("Wed, 21 Oct 2015 07:28:00 GMT", "Wed, 21 Oct 2015 07:28:00 GMT"), ("Wed, 21 Oct 2015 07:28:00 GMT\u{0}", nil),
        ]
        for (header, expected) in cases {
            #expect(UpstreamRetryAfter.normalized(header) == expected, "\(header)")
        }
    }
}
