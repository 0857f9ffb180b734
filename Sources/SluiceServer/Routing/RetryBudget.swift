import NIOCore
import Synchronization

/// Caps retries to a share of requests (plus a small floor per second), so that when a backend
/// fails, retries add a bounded amount of load instead of multiplying it.
final class RetryBudget: Sendable {
    private struct State {
        var balance: Double
        var windowStart: NIODeadline
        var retriesInWindow = 0
    }

    private let ratio: Double
    private let minimumPerSecond: Int
    private let state: Mutex<State>
    /// The most retries that can be saved up.
    private let capacity: Double

    init(ratio: Double, minimumPerSecond: Int) {
        self.ratio = ratio
        self.minimumPerSecond = minimumPerSecond
        self.capacity = max(10, ratio * 1000)
        self.state = Mutex(State(balance: 0, windowStart: .now()))
    }

    /// Every first attempt adds `ratio` retries to the budget.
    func recordRequest() {
        self.state.withLock { $0.balance = min(self.capacity, $0.balance + self.ratio) }
    }

    /// Takes one retry from the budget; false when it is spent.
    func withdraw(at now: NIODeadline = .now()) -> Bool {
        self.state.withLock { state in
            if now - state.windowStart >= .seconds(1) {
                state.windowStart = now
                state.retriesInWindow = 0
            }
            if state.retriesInWindow < self.minimumPerSecond {
                state.retriesInWindow += 1
                return true
            }
            guard state.balance >= 1 else { return false }
            state.balance -= 1
            return true
        }
    }
}
