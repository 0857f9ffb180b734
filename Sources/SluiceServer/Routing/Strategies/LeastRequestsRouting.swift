/// The deployment with the fewest requests in flight per unit of weight first, counting the
/// requests queued inside the model server when its metrics say so.
struct LeastRequestsRouting: RoutingStrategy {
    func order(_ deployments: [Deployment], for request: RoutingInput) -> [Deployment] {
        deployments.ordered { Double($0.health.snapshot.load) / max($0.config.weight, .leastNonzeroMagnitude) }
    }
}
