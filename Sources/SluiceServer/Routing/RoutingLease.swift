import NIOCore
import Synchronization

/// A request's hold on a deployment: it counts in the deployment's in-flight requests and
/// outstanding tokens until released, and its outcome feeds the deployment's breaker and
/// latency estimate. Released exactly once: explicitly, or as abandoned when it is dropped.
package final class RoutingLease: Sendable {
    package enum Outcome: Sendable {
        /// The deployment answered; `latency` is the time to first token, in seconds, when known.
        case success(latency: Double?)
        /// The deployment failed (error status, timeout, broken stream).
        case failure
        /// The request ended without a verdict on the deployment (the client left).
        case abandoned
    }

    let deployment: Deployment
    private let tokens: Int
    private let released = Atomic<Bool>(false)

    /// Takes a lease if the deployment's breaker lets the request through.
    package init?(deployment: Deployment, tokens: Int) {
        guard deployment.health.begin(tokens: tokens, at: .now()) else { return nil }
        self.deployment = deployment
        self.tokens = tokens
    }

    package func release(_ outcome: Outcome) {
        guard !self.released.exchange(true, ordering: .acquiringAndReleasing) else { return }
        self.deployment.health.end(tokens: self.tokens, outcome: outcome, at: .now())
    }

    deinit {
        self.release(.abandoned)
    }
}
