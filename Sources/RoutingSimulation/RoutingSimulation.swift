import Foundation
import NIOCore
import SluiceConfig
import SluiceProviders
import SluiceServer

/// A discrete-event simulation of model servers behind one balancer, in simulated time, using
/// the gateway's own strategies and leases.
///
/// Each server runs `slots` requests at once (a batch); a request waits for a free slot, then
/// its prefill takes `warmPrefill` when the server's KV cache holds the request's prompt prefix
/// and `coldPrefill` otherwise; its first token comes at the end of prefill, its last after
/// `decode`. Each server's cache keeps the `cacheCapacity` prefixes it used last.
///
/// ```swift
/// let simulation = RoutingSimulation(servers: Array(repeating: .init(), count: 3), workload: .init(rate: 4), retries: 1)
/// let result = simulation.run(RoutingStrategies.make(settings), seed: 7)
/// ```
package struct RoutingSimulation: Sendable {
    package struct Server: Sendable {
        package var slots = 4
        package var coldPrefill = 0.400
        package var warmPrefill = 0.040
        package var decode = 1.0
        package var cacheCapacity = 8
        /// Share of requests that fail (after a short time) instead of answering.
        package var failureRate = 0.0
        /// Multiplies every duration: 2 is a server half as fast.
        package var slowdown = 1.0

        package init(cacheCapacity: Int = 8, failureRate: Double = 0.0, slowdown: Double = 1.0) {
            self.cacheCapacity = cacheCapacity
            self.failureRate = failureRate
            self.slowdown = slowdown
        }
    }

    package struct Workload: Sendable {
        package var requests = 6000
        /// Mean arrivals per second (Poisson).
        package var rate = 6.0
        /// Distinct prompt prefixes (system prompts, documents), drawn with Zipf-like popularity.
        package var prefixes = 24
        /// How the gateway's prefix key comes out of a request's prompt.
        package var keys = PrefixKeys.identifiers

        package init(requests: Int = 6000, rate: Double = 6.0, prefixes: Int = 24, keys: PrefixKeys = .identifiers) {
            self.requests = requests
            self.rate = rate
            self.prefixes = prefixes
            self.keys = keys
        }
    }

    package struct Result: Sendable {
        package var ttftP50 = 0.0
        package var ttftP90 = 0.0
        package var ttftP99 = 0.0
        package var ttftMean = 0.0
        package var latencyP50 = 0.0
        package var latencyP99 = 0.0
        /// Requests whose every attempt failed.
        package var errorRate = 0.0
        package var cacheHitRate = 0.0
    }

    package let servers: [Server]
    package let workload: Workload
    /// Attempts on further deployments after a failure.
    package let retries: Int

    package init(servers: [Server], workload: Workload, retries: Int) {
        self.servers = servers
        self.workload = workload
        self.retries = retries
    }

    /// Runs the workload drawn from `seed` through `strategy`; the same seed gives every strategy
    /// the same arrivals, prefixes and prompt texts.
    package func run(_ strategy: any RoutingStrategy, seed: UInt64 = 42) -> Result {
        var random = SplitMix(seed: seed)
        let keys = PrefixKeyMaker(self.workload.keys, prefixes: self.workload.prefixes, seed: seed)
        let deployments = self.servers.indices.map { index in
            Deployment(
                index: index,
                config: DeploymentConfig(settings: .mock(MockSettings()), upstreamModel: "sim-\(index)"),
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

        for request in 0..<self.workload.requests {
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
            let input = RoutingInput(estimatedTokens: 1000, prefixKey: keys.key(prefix: prefix, request: request))
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
                var serverState = state[deployment.index]
                let slot = serverState.slotsFreeAt.indices.min { serverState.slotsFreeAt[$0] < serverState.slotsFreeAt[$1] } ?? 0
                let begin = max(start, serverState.slotsFreeAt[slot])
                let warm = serverState.cache.contains(prefix)
                let firstToken = begin + (warm ? server.warmPrefill : server.coldPrefill) * server.slowdown
                let end = firstToken + server.decode * server.slowdown
                serverState.slotsFreeAt[slot] = end
                serverState.use(prefix, capacity: server.cacheCapacity)
                state[deployment.index] = serverState
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
            ttftMean: ttfts.isEmpty ? 0 : ttfts.reduce(0, +) / Double(ttfts.count),
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
