import Foundation
import SluiceConfig
import SluiceRoutingSimulation

// Every balancer against round-robin in RoutingSimulation, and a sweep of prefix-aware routing
// over the workload's shape. Prints Markdown tables. Simulated time: the figures do not depend on
// the machine, only on the seeds.
//
//   swift run sluice-routing-sim [scenarios|sweep] [--seeds N]

let arguments = CommandLine.arguments.dropFirst()
let parts = Set(arguments.filter { !$0.hasPrefix("--") && Int($0) == nil })
let seedCount = arguments.firstIndex(of: "--seeds").flatMap { arguments.index(after: $0) < arguments.endIndex ? Int(arguments[arguments.index(after: $0)]) : nil } ?? 9

func ms(_ seconds: Double) -> String { String(format: "%.0f ms", seconds * 1000) }
func percent(_ share: Double) -> String { String(format: "%.0f %%", share * 100) }

if parts.isEmpty || parts.contains("scenarios") {
    let scenarios: [(String, RoutingSimulation)] = [
        ("prefix-heavy (3 equal servers, 24 prefixes, 8 cached per server, 4 requests/s)", Scenarios.prefixHeavy),
        ("one slow server (2x), 400 prefixes", Scenarios.oneSlow),
        ("one of three servers failing half its requests, 1 retry", Scenarios.oneFailing),
    ]
    for (title, simulation) in scenarios {
        print("\n### \(title)\n")
        print("| strategy | TTFT p50 | TTFT p90 | TTFT p99 | TTFT mean | latency p50 | latency p99 | errors | prefix cache hits |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for (name, make) in Scenarios.strategies {
            let result = simulation.run(make())
            print(
                "| \(name) | \(ms(result.ttftP50)) | \(ms(result.ttftP90)) | \(ms(result.ttftP99)) | \(ms(result.ttftMean)) | \(ms(result.latencyP50)) | "
                    + "\(ms(result.latencyP99)) | " + String(format: "%.3f %%", result.errorRate * 100) + " | \(percent(result.cacheHitRate)) |"
            )
        }
    }
}

if parts.isEmpty || parts.contains("sweep") {
    print(RoutingSweep(seeds: UInt64(1)...UInt64(max(1, seedCount))).table())
}

