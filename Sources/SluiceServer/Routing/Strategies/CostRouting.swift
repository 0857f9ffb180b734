/// The cheapest deployment first, by the sum of its input and output prices; the others
/// follow in price order, so a failure falls to the next cheapest.
struct CostRouting: RoutingStrategy {
    func order(_ deployments: [Deployment], for request: RoutingInput) -> [Deployment] {
        deployments.ordered { $0.config.price.inputPerMillion + $0.config.price.outputPerMillion }
    }
}
