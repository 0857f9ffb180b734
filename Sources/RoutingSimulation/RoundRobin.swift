import SluiceServer

/// Round-robin, the baseline every strategy is compared with. Not one of the gateway's
/// strategies: `weighted` is its randomised form.
package final class RoundRobin: RoutingStrategy, @unchecked Sendable {
    // Only the single-threaded simulation calls it.
    private var next = 0

    package init() {}

    package func order(_ deployments: [Deployment], for request: RoutingInput) -> [Deployment] {
        defer { self.next += 1 }
        let start = self.next % max(1, deployments.count)
        return Array(deployments[start...] + deployments[..<start])
    }
}
