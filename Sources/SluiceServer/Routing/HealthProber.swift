import AsyncAlgorithms
import Logging
import NIOCore
import ServiceLifecycle

/// Brings deployments back: at every interval, each deployment whose breaker has been open long
/// enough gets a cheap probe (`GET /models` for OpenAI-compatible servers) as its half-open
/// request. A passing probe closes the breaker; a failing one keeps it open for twice as long.
struct HealthProber: Service {
    /// Whose deployments to probe: those of the runtime active at each round.
    let active: ActiveRuntime
    let interval: Duration
    let logger: Logger

    /// A probe gets this long to answer.
    static let probeTimeout = TimeAmount.seconds(5)

    func run() async throws {
        for try await _ in AsyncTimerSequence(interval: self.interval, clock: .continuous).cancelOnGracefulShutdown() {
            await self.probeDueDeployments()
        }
    }

    func probeDueDeployments() async {
        let now = NIODeadline.now()
        let due = self.active.current.catalog.allDeployments.filter { deployment in
            deployment.health.reopensAt.map { $0 <= now } ?? false
        }
        await withTaskGroup(of: Void.self) { group in
            for deployment in due {
                guard let lease = RoutingLease(deployment: deployment, tokens: 0) else { continue }
                group.addTask {
                    do {
                        try await deployment.provider.probe(deadline: .now() + Self.probeTimeout)
                        lease.release(.success(latency: nil))
                        self.logger.notice("deployment recovered", metadata: ["deployment": .string(deployment.label)])
                    } catch {
                        lease.release(.failure)
                        self.logger.warning("deployment probe failed", metadata: ["deployment": .string(deployment.label), "error": "\(error)"])
                    }
                }
            }
        }
    }
}
