import Foundation

/// Random order in proportion to the deployments' weights: the first pick follows the weights,
/// and so does each next one among those left (Efraimidis–Spirakis keys).
struct WeightedRouting: RoutingStrategy {
    func order(_ deployments: [Deployment], for request: RoutingInput) -> [Deployment] {
        guard deployments.count > 1 else { return deployments }
        return deployments.ordered { deployment in
            let weight = deployment.config.weight
            guard weight > 0 else { return .infinity }
            return -log(Double.random(in: Double.leastNonzeroMagnitude..<1)) / weight
        }
    }
}
