/// Power of two choices: of two deployments picked at random, the one whose peak-EWMA time to
/// first token, scaled by its load, is lower goes first. Cheap, and it avoids the herd that
/// always picking the single best deployment would cause.
struct LatencyRouting: RoutingStrategy {
    func order(_ deployments: [Deployment], for request: RoutingInput) -> [Deployment] {
        guard deployments.count > 1 else { return deployments }
        var remaining = deployments.shuffled()
        let first = remaining.removeLast()
        let second = remaining.removeLast()
        let (better, worse) = Self.score(first) <= Self.score(second) ? (first, second) : (second, first)
        return [better] + remaining.ordered(by: Self.score) + [worse]
    }

    /// Latency times (load + 1); a deployment without a measurement yet scores as
    /// fast, so it gets traffic and a measurement.
    static func score(_ deployment: Deployment) -> Double {
        let snapshot = deployment.health.snapshot
        return snapshot.latency * Double(snapshot.load + 1)
    }
}
