/// The deployment with the fewest requests in flight per unit of weight first.
struct LeastRequestsRouting: RoutingStrategy {
    func order(_ deployments: [Deployment], for request: RoutingInput) -> [Deployment] {
        deployments.ordered { Double($0.health.snapshot.inFlight) / max($0.config.weight, .leastNonzeroMagnitude) }
    }
}
