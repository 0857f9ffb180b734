import NIOCore

/// A deployment's circuit breaker: closed while it works; open after consecutive failures, when
/// it gets no traffic; half-open when the open time has passed, letting one request through as a
/// probe. A failed probe opens it again for twice as long, up to a maximum.
package struct CircuitBreaker: Sendable {
    enum State: Sendable, Equatable {
        case closed(failures: Int)
        case open(until: NIODeadline, openFor: TimeAmount)
        case halfOpen(openFor: TimeAmount)
    }

    let failureThreshold: Int
    let initialOpenFor: TimeAmount
    let maximumOpenFor: TimeAmount
    private(set) var state = State.closed(failures: 0)

    package init(failureThreshold: Int, initialOpenFor: TimeAmount, maximumOpenFor: TimeAmount) {
        self.failureThreshold = failureThreshold
        self.initialOpenFor = initialOpenFor
        self.maximumOpenFor = maximumOpenFor
    }

    /// Whether a request could be sent now (without taking the probe slot).
    func isAvailable(at now: NIODeadline) -> Bool {
        switch self.state {
        case .closed: true
        case .open(let until, _): now >= until
        case .halfOpen: false
        }
    }

    /// Lets a request through if the breaker allows it; an expired open breaker turns half-open
    /// and this request becomes its probe.
    mutating func admit(at now: NIODeadline) -> Bool {
        switch self.state {
        case .closed:
            return true
        case .open(let until, let openFor):
            guard now >= until else { return false }
            self.state = .halfOpen(openFor: openFor)
            return true
        case .halfOpen:
            return false
        }
    }

    mutating func recordSuccess() {
        self.state = .closed(failures: 0)
    }

    mutating func recordFailure(at now: NIODeadline) {
        switch self.state {
        case .closed(let failures):
            if failures + 1 >= self.failureThreshold {
                self.state = .open(until: now + self.initialOpenFor, openFor: self.initialOpenFor)
            } else {
                self.state = .closed(failures: failures + 1)
            }
        case .halfOpen(let openFor):
            let next = TimeAmount.nanoseconds(min(openFor.nanoseconds * 2, self.maximumOpenFor.nanoseconds))
            self.state = .open(until: now + next, openFor: next)
        case .open:
            break
        }
    }

    /// A probe that ended without a verdict (its client left) frees the probe slot.
    mutating func recordAbandoned(at now: NIODeadline) {
        if case .halfOpen(let openFor) = self.state {
            self.state = .open(until: now, openFor: openFor)
        }
    }

    /// When the breaker will let a probe through, if it is open.
    var reopensAt: NIODeadline? {
        if case .open(let until, _) = self.state { return until }
        return nil
    }
}
