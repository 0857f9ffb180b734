import ServiceLifecycle
import Synchronization

/// Process-wide state that readiness reports: whether the gateway is draining.
public final class GatewayState: Sendable {
    private let draining = Atomic<Bool>(false)

    public init() {}

    public var isDraining: Bool { self.draining.load(ordering: .relaxed) }

    func beginDraining() {
        self.draining.store(true, ordering: .relaxed)
    }
}

/// Marks the gateway as draining as soon as graceful shutdown begins, so `/ready` turns 503
/// while in-flight requests finish.
struct DrainMonitor: Service {
    let state: GatewayState

    func run() async throws {
        try? await gracefulShutdown()
        self.state.beginDraining()
    }
}
