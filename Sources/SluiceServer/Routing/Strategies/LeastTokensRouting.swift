/// The deployment with the fewest tokens outstanding (prompt estimates plus requested output of
/// the requests it is serving) per unit of weight first: long generations weigh more than short ones.
struct LeastTokensRouting: RoutingStrategy {
    func order(_ deployments: [Deployment], for request: RoutingInput) -> [Deployment] {
        deployments.ordered { Double($0.health.snapshot.outstandingTokens) / max($0.config.weight, .leastNonzeroMagnitude) }
    }
}
