import SluiceConfig
import SluiceServer

/// The workloads the routing tests and `bench/routing-sim.sh` share, and the strategies they
/// compare, each made fresh for a run (a strategy may keep state between requests).
package enum Scenarios {
    /// Three equal servers of 4 slots; 4 requests per second (about a third of capacity); 24
    /// prompt prefixes with Zipf popularity; each server's KV cache holds 8; a cold prefill takes
    /// 400 ms, a warm one 40 ms.
    package static let prefixHeavy = RoutingSimulation(servers: Array(repeating: .init(), count: 3), workload: .init(rate: 4), retries: 1)

    /// One of three servers fails half its requests.
    package static let oneFailing = RoutingSimulation(
        servers: [.init(), .init(), .init(failureRate: 0.5)], workload: .init(requests: 20_000, rate: 4), retries: 1
    )

    /// One server twice as slow as the others.
    package static let oneSlow = RoutingSimulation(servers: [.init(), .init(), .init(slowdown: 2)], workload: .init(prefixes: 400), retries: 1)

    /// The gateway's strategy of `kind` with its default settings.
    package static func strategy(_ kind: RoutingStrategyKind) -> any RoutingStrategy {
        var settings = RoutingSettings()
        settings.strategy = kind
        return RoutingStrategies.make(settings)
    }

    /// Round-robin and every gateway strategy but `session` (which needs a session key), by name.
    package static var strategies: [(name: String, make: () -> any RoutingStrategy)] {
        [("round-robin", { RoundRobin() })] + RoutingStrategyKind.allCases.filter { $0 != .session }.map { kind in (kind.rawValue, { Self.strategy(kind) }) }
    }
}
