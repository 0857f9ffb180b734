import Foundation
import SluiceConfig
import Testing

@testable import SluiceServer

/// The balancers against round-robin in ``RoutingSimulation``. With `SLUICE_SIM_REPORT=1`
/// (`bench/routing-sim.sh`) every strategy's figures are printed.
@Suite("Routing simulation")
struct RoutingSimulationTests {
    static let strategies: [(String, any RoutingStrategy)] = [
        ("round-robin", RoutingSimulation.RoundRobin()),
        ("weighted", WeightedRouting()),
        ("least-requests", LeastRequestsRouting()),
        ("least-tokens", LeastTokensRouting()),
        ("latency", LatencyRouting()),
        ("cost", CostRouting()),
        ("prefix", PrefixAwareRouting(loadBound: 1.5, loadSlack: 4)),
    ]

    /// Three equal servers of 4 slots; 4 requests per second (about a third of capacity); 24
    /// prompt prefixes with Zipf popularity; each server's KV cache holds 8; a cold prefill takes
    /// 400 ms, a warm one 40 ms.
    static let prefixHeavy = RoutingSimulation(servers: Array(repeating: .init(), count: 3), workload: .init(rate: 4), retries: 1)

    /// One of three servers fails half its requests.
    static let oneFailing = RoutingSimulation(
        servers: [.init(), .init(), .init(failureRate: 0.5)], workload: .init(requests: 20_000, rate: 4), retries: 1
    )

    /// One server twice as slow as the others.
    static let oneSlow = RoutingSimulation(servers: [.init(), .init(), .init(slowdown: 2)], workload: .init(prefixes: 400), retries: 1)

    @Test func prefixAwareRoutingAtLeastHalvesP90TimeToFirstTokenOnAPrefixHeavyWorkload() {
        let baseline = Self.prefixHeavy.run(RoutingSimulation.RoundRobin())
        let prefix = Self.prefixHeavy.run(PrefixAwareRouting(loadBound: 1.5, loadSlack: 4))
        #expect(prefix.ttftP90 * 2 <= baseline.ttftP90, "p90 TTFT \(prefix.ttftP90) s vs round-robin \(baseline.ttftP90) s")
        #expect(prefix.cacheHitRate > baseline.cacheHitRate)
    }

    @Test func withOneOfThreeDeploymentsFailingHalfItsRequestsUnderATenthOfAPercentOfErrorsReachClients() {
        for (name, strategy) in Self.strategies {
            let result = Self.oneFailing.run(strategy)
            #expect(result.errorRate < 0.001, "\(name): \(result.errorRate)")
        }
        let withoutRetries = RoutingSimulation(servers: Self.oneFailing.servers, workload: Self.oneFailing.workload, retries: 0)
        #expect(withoutRetries.run(RoutingSimulation.RoundRobin()).errorRate > 0.1, "the retry is what saves them")
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["SLUICE_SIM_REPORT"] == "1"))
    func report() {
        let scenarios: [(String, RoutingSimulation)] = [
            ("prefix-heavy (3 equal servers, 24 prefixes, 8 cached per server)", Self.prefixHeavy),
            ("one slow server (2x), 400 prefixes", Self.oneSlow),
            ("one of three servers failing half its requests, 1 retry", Self.oneFailing),
        ]
        var lines: [String] = []
        for (title, simulation) in scenarios {
            lines.append("\n### \(title)\n")
            lines.append("| strategy | TTFT p50 | TTFT p90 | TTFT p99 | latency p50 | latency p99 | errors | prefix cache hits |")
            lines.append("|---|---:|---:|---:|---:|---:|---:|---:|")
            for (name, strategy) in Self.strategies {
                let result = simulation.run(strategy)
                func ms(_ seconds: Double) -> String { String(format: "%.0f ms", seconds * 1000) }
                lines.append(
                    "| \(name) | \(ms(result.ttftP50)) | \(ms(result.ttftP90)) | \(ms(result.ttftP99)) | \(ms(result.latencyP50)) | \(ms(result.latencyP99)) | "
                        + String(format: "%.3f %%", result.errorRate * 100) + " | " + String(format: "%.0f %%", result.cacheHitRate * 100) + " |"
                )
            }
        }
        print(lines.joined(separator: "\n"))
    }
}
