import SluiceConfig

/// Decides the order in which a model's deployments are tried for one request; the first is
/// tried first, the others on retry.
///
/// ```swift
/// let order = LeastRequestsRouting().order(deployments, for: RoutingInput(estimatedTokens: 900))
/// ```
package protocol RoutingStrategy: Sendable {
    func order(_ deployments: [Deployment], for request: RoutingInput) -> [Deployment]
}

/// What a strategy may know of a request.
package struct RoutingInput: Sendable {
    /// Prompt estimate plus requested output.
    package var estimatedTokens: Int
    /// The conversation's key for session affinity, when it has one.
    package var sessionKey: String?
    /// A hash of the prompt's first bytes, for prefix-aware routing.
    package var prefixKey: UInt64?

    package init(estimatedTokens: Int, sessionKey: String? = nil, prefixKey: UInt64? = nil) {
        self.estimatedTokens = estimatedTokens
        self.sessionKey = sessionKey
        self.prefixKey = prefixKey
    }
}

/// The one place that knows every strategy.
package enum RoutingStrategies {
    package static func make(_ settings: RoutingSettings) -> any RoutingStrategy {
        switch settings.strategy {
        case .weighted: WeightedRouting()
        case .leastRequests: LeastRequestsRouting()
        case .leastTokens: LeastTokensRouting()
        case .latency: LatencyRouting()
        case .session: SessionAffinityRouting()
        case .cost: CostRouting()
        case .prefix: PrefixAwareRouting(loadBound: settings.loadBound, loadSlack: settings.loadSlack)
        }
    }
}

extension Array where Element == Deployment {
    /// Sorted by `score` (lower first), with ties broken at random so equal deployments share load.
    func ordered(by score: (Deployment) -> Double) -> [Deployment] {
        self.map { (deployment: $0, score: score($0), tie: UInt64.random(in: .min ... .max)) }
            .sorted { $0.score != $1.score ? $0.score < $1.score : $0.tie < $1.tie }
            .map(\.deployment)
    }
}
