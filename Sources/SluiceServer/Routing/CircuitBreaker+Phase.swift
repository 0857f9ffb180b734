import NIOCore

extension CircuitBreaker {
    /// A breaker's state as `/ready` names it and `/metrics` numbers it.
    enum Phase: String, Sendable {
        case closed
        case halfOpen = "half-open"
        case open

        /// `sluice_circuit_breaker_state`: 0 closed, 1 half-open, 2 open.
        var metricValue: Double {
            switch self {
            case .closed: 0
            case .halfOpen: 1
            case .open: 2
            }
        }
    }
}

extension CircuitBreaker.State {
    /// The phase at `now`: an open breaker whose open time has passed lets a probe through, so it is half-open.
    func phase(at now: NIODeadline) -> CircuitBreaker.Phase {
        switch self {
        case .closed: .closed
        case .open(let until, _): now >= until ? .halfOpen : .open
        case .halfOpen: .halfOpen
        }
    }
}
