import Foundation
import SluiceConfig
import SluiceRoutingSimulation

/// Prefix-aware routing against round-robin over the workload's shape: number of prefixes, KV
/// cache per server, arrival rate and how prompts hash, one at a time around the prefix-heavy
/// workload and then on a grid. Each point runs every seed; gains are round-robin's time to first
/// token over prefix-aware routing's, as the median over seeds with the lowest and highest.
struct RoutingSweep {
    struct Point {
        var prefixes: Int
        var cache: Int
        var rate: Double
        var keys: PrefixKeys
    }

    let seeds: ClosedRange<UInt64>

    /// The prefix-heavy workload (24 prefixes, 8 cached, 4 requests/s, ideal keys), each factor
    /// varied alone, then prefixes × cache × rate with production-like keys.
    var points: [Point] {
        let base = Point(prefixes: 24, cache: 8, rate: 4, keys: .identifiers)
        var points = [base]
        for prefixes in [12, 16, 28, 32, 48, 96, 400] { points.append(Point(prefixes: prefixes, cache: 8, rate: 4, keys: .identifiers)) }
        for cache in [4, 6, 12, 16, 32] { points.append(Point(prefixes: 24, cache: cache, rate: 4, keys: .identifiers)) }
        for rate in [2.0, 6, 8, 10] { points.append(Point(prefixes: 24, cache: 8, rate: rate, keys: .identifiers)) }
        for keys in [PrefixKeys.prompts, .promptsShorterThanPrefixBytes] { points.append(Point(prefixes: 24, cache: 8, rate: 4, keys: keys)) }
        for rate in [4.0, 6, 8] {
            for prefixes in [12, 24, 48, 96] {
                for cache in [4, 8, 16] { points.append(Point(prefixes: prefixes, cache: cache, rate: rate, keys: .prompts)) }
            }
        }
        return points
    }

    func table() -> String {
        var lines = [
            "\n### Prefix-aware routing against round-robin: median over seeds \(self.seeds.lowerBound)–\(self.seeds.upperBound) (lowest–highest)\n",
            "| prefixes | cached per server | requests/s | keys | TTFT p90 round-robin | TTFT p90 prefix | p90 gain | TTFT mean round-robin | TTFT mean prefix | mean gain | cache hits round-robin → prefix |",
            "|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for point in self.points {
            let simulation = RoutingSimulation(
                servers: Array(repeating: .init(cacheCapacity: point.cache), count: 3),
                workload: .init(rate: point.rate, prefixes: point.prefixes, keys: point.keys),
                retries: 1
            )
            let runs = self.seeds.map { seed in
                (baseline: simulation.run(RoundRobin(), seed: seed), prefix: simulation.run(Scenarios.strategy(.prefix), seed: seed))
            }
            func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
            func gain(_ values: [Double]) -> String {
                String(format: "%.2fx (%.2f–%.2f)", median(values), values.min() ?? 0, values.max() ?? 0)
            }
            let p90Gains = runs.map { $0.baseline.ttftP90 / $0.prefix.ttftP90 }
            let meanGains = runs.map { $0.baseline.ttftMean / $0.prefix.ttftMean }
            lines.append(
                "| \(point.prefixes) | \(point.cache) | \(String(format: "%g", point.rate)) | \(point.keys.rawValue) | "
                    + "\(ms(median(runs.map(\.baseline.ttftP90)))) | \(ms(median(runs.map(\.prefix.ttftP90)))) | \(gain(p90Gains)) | "
                    + "\(ms(median(runs.map(\.baseline.ttftMean)))) | \(ms(median(runs.map(\.prefix.ttftMean)))) | \(gain(meanGains)) | "
                    + "\(percent(median(runs.map(\.baseline.cacheHitRate)))) → \(percent(median(runs.map(\.prefix.cacheHitRate)))) |"
            )
        }
        return lines.joined(separator: "\n")
    }
}
