import Logging
import Synchronization

/// Whether the governance store answered lately, from the outcome of every operation the gateway
/// runs on it (ledger writes, key refreshes, budget leases): reachable until one fails, then
/// unreachable from that moment until one succeeds. Each change is logged once.
final class StoreHealth: Sendable {
    /// What `/ready` reports of the store.
    struct Status: Sendable {
        /// Since when (Unix seconds) the store has not answered; nil while it answers.
        var unreachableSince: Int64?
        /// The last failure, while unreachable.
        var error: String?
    }

    private struct State {
        var status = Status()
        /// The same moment as `status.unreachableSince`, on a clock that does not jump.
        var failingSince: ContinuousClock.Instant?
    }

    private let state = Mutex(State())
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    var status: Status { self.state.withLock { $0.status } }

    func succeeded() {
        let failingSince = self.state.withLock { state -> ContinuousClock.Instant? in
            defer { state = State() }
            return state.failingSince
        }
        guard let failingSince else { return }
        self.logger.notice("the governance store answers again", metadata: ["unreachable_for": "\(ContinuousClock.now - failingSince)"])
    }

    func failed(_ error: any Error) {
        let description = "\(error)"
        let isNew = self.state.withLock { state -> Bool in
            defer { state.status.error = description }
            guard state.failingSince == nil else { return false }
            state.failingSince = .now
            state.status.unreachableSince = WallClock.seconds()
            return true
        }
        if isNew { self.logger.error("the governance store cannot be reached", metadata: ["error": "\(description)"]) }
    }

    /// Whether the last operation reached the store. Requests do not wait on a store known to be
    /// down (each would wait out the connection timeout); background work keeps trying it.
    var isReachable: Bool { self.state.withLock { $0.failingSince == nil } }

    /// Whether the store has been failing for longer than `duration`.
    func unreachable(longerThan duration: Duration) -> Bool {
        guard let since = self.state.withLock({ $0.failingSince }) else { return false }
        return ContinuousClock.now - since > duration
    }

    /// Runs one store operation, noting whether it reached the store.
    func observing<Value>(_ operation: () async throws -> Value) async throws -> Value {
        do {
            let value = try await operation()
            self.succeeded()
            return value
        } catch {
            self.failed(error)
            throw error
        }
    }
}
