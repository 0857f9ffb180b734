import Foundation
import NIOCore
import SluiceConfig
import SluiceProviders

@testable import SluiceServer

/// A discrete-event simulation of model servers behind one balancer, in simulated time, using
/// the gateway's own strategies and leases.
///
/// Each server runs `slots` requests at once (a batch); a request waits for a free slot, then
/// its prefill takes `warmPrefill` when the server's KV cache holds the request's prompt prefix
/// and `coldPrefill` otherwise; its first token comes at the end of prefill, its last after
/// `decode`. Each server's cache keeps the `cacheCapacity` prefixes it used last.
struct RoutingSimulation {
    struct Server {
        var slots = 4
        var coldPrefill = 0.400
        var warmPrefill = 0.040
        var decode = 1.0
        var cacheCapacity = 8
        /// Share of requests that fail (after a short time) instead of answering.
        var failureRate = 0.0
        /// Multiplies every duration: 2 is a server half as fast.
        var slowdown = 1.0
    }

    struct Workload {
        var requests = 6000
        /// Mean arrivals per second (Poisson).
        var rate = 6.0
        /// Distinct prompt prefixes (system prompts, documents), drawn with Zipf-like popularity.
        var prefixes = 24
    }

    struct Result {
        var ttftP50 = 0.0
        var ttftP90 = 0.0
        var ttftP99 = 0.0
        var latencyP50 = 0.0
        var latencyP99 = 0.0
        /// Requests whose every attempt failed.
        var errorRate = 0.0
        var cacheHitRate = 0.0
    }

    /// Round-robin, the baseline every strategy is compared with.
    struct RoundRobin: RoutingStrategy {
        final class Counter: @unchecked Sendable {
            // Only the single-threaded simulation touches it.
            var next = 0
        }

        let counter = Counter()

        func order(_ deployments: [Deployment], for request: RoutingInput) -> [Deployment] {
            defer { self.counter.next += 1 }
            let start = self.counter.next % max(1, deployments.count)
            return Array(deployments[start...] + deployments[..<start])
        }
    }

    let servers: [Server]
    let workload: Workload
    /// Attempts on further deployments after a failure.
    let retries: Int

    func run(_ strategy: any RoutingStrategy, seed: UInt64 = 42) -> Result {
        var random = SplitMix(seed: seed)
        let deployments = self.servers.indices.map { index in
            Deployment(
                index: index,
                config: DeploymentConfig(provider: .mock, upstreamModel: "sim-\(index)", mock: MockSettings()),
                provider: MockProvider(settings: MockSettings(), publicModel: "sim"),
                health: DeploymentHealth(breaker: CircuitBreaker(failureThreshold: 1_000_000, initialOpenFor: .seconds(1), maximumOpenFor: .seconds(1)))
            )
        }
        var state = self.servers.map { ServerState(slotsFreeAt: Array(repeating: 0, count: $0.slots)) }
        var completions: [(time: Double, lease: RoutingLease, ttft: Double)] = []
        var ttfts: [Double] = []
        var latencies: [Double] = []
        var failures = 0
        var hits = 0
        var served = 0
        var now = 0.0
        let popularity = (0..<self.workload.prefixes).map { 1 / Double($0 + 1) }
        let totalPopularity = popularity.reduce(0, +)

        for _ in 0..<self.workload.requests {
            now += -log(max(random.unit(), 1e-12)) / self.workload.rate
            // Leases of requests that finished by now are released, so load-aware strategies see real load.
            completions.sort { $0.time < $1.time }
            while let first = completions.first, first.time <= now {
                first.lease.release(.success(latency: first.ttft))
                completions.removeFirst()
            }
            var pick = random.unit() * totalPopularity
            var prefix = 0
            while prefix < popularity.count - 1, pick >= popularity[prefix] {
                pick -= popularity[prefix]
                prefix += 1
            }
            let input = RoutingInput(estimatedTokens: 1000, prefixKey: UInt64(prefix) &* 0x9E37_79B9_7F4A_7C15 | 1)
            var attempt = 0
            var answered = false
            var start = now
            for deployment in strategy.order(deployments, for: input) where attempt <= self.retries && !answered {
                attempt += 1
                let server = self.servers[deployment.index]
                guard let lease = RoutingLease(deployment: deployment, tokens: 1000) else { continue }
                if random.unit() < server.failureRate {
                    start += 0.050 * server.slowdown
                    lease.release(.failure)
                    continue
                }
                let slot = state[deployment.index].slotsFreeAt.indices.min { state[deployment.index].slotsFreeAt[$0] < state[deployment.index].slotsFreeAt[$1] }!
                let begin = max(start, state[deployment.index].slotsFreeAt[slot])
                let warm = state[deployment.index].cache.contains(prefix)
                let firstToken = begin + (warm ? server.warmPrefill : server.coldPrefill) * server.slowdown
                let end = firstToken + server.decode * server.slowdown
                state[deployment.index].slotsFreeAt[slot] = end
                state[deployment.index].use(prefix, capacity: server.cacheCapacity)
                completions.append((end, lease, firstToken - now))
                ttfts.append(firstToken - now)
                latencies.append(end - now)
                hits += warm ? 1 : 0
                served += 1
                answered = true
            }
            if !answered { failures += 1 }
        }
        completions.forEach { $0.lease.release(.success(latency: $0.ttft)) }
        ttfts.sort()
        latencies.sort()
        func percentile(_ values: [Double], _ p: Double) -> Double {
            values.isEmpty ? 0 : values[min(values.count - 1, Int(Double(values.count) * p))]
        }
        return Result(
            ttftP50: percentile(ttfts, 0.5), ttftP90: percentile(ttfts, 0.9), ttftP99: percentile(ttfts, 0.99),
            latencyP50: percentile(latencies, 0.5), latencyP99: percentile(latencies, 0.99),
            errorRate: Double(failures) / Double(self.workload.requests), cacheHitRate: Double(hits) / Double(max(1, served))
        )
    }

    private struct ServerState {
        var slotsFreeAt: [Double]
        /// Prefixes in the KV cache, least recently used first.
        var cache: [Int] = []

        mutating func use(_ prefix: Int, capacity: Int) {
            self.cache.removeAll { $0 == prefix }
            self.cache.append(prefix)
            if self.cache.count > capacity { self.cache.removeFirst() }
        }
    }
}

/// A small deterministic random source, so every strategy sees the same workload.
struct SplitMix {
    var state: UInt64

    init(seed: UInt64) {
        self.state = seed
    }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var value = self.state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double {
        Double(self.next() >> 11) / Double(1 << 53)
    }
}
