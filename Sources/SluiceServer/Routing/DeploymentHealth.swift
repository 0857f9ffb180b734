import Foundation
import NIOCore
import SluiceCore
import Synchronization

/// The live state of one deployment: requests and tokens in flight, a latency estimate from
/// real traffic, and its circuit breaker.
package final class DeploymentHealth: Sendable {
    struct Snapshot: Sendable, Equatable {
        var inFlight: Int
        var outstandingTokens: Int
        /// Peak-EWMA of time to first token (or of latency, for plain answers), in seconds.
        var latency: Double
        var breaker: CircuitBreaker.State
        /// Requests queued inside the model server, from its own metrics, while fresh.
        var waiting: Int
        /// Share of the model server's KV cache in use, from its own metrics, while fresh.
        var kvCacheUsage: Double?

        /// What load-aware strategies compare: the gateway's requests in flight plus the
        /// server's own queue.
        var load: Int { self.inFlight.addingWithSaturation(self.waiting) }
    }

    /// A model server's own account of its load, read from its metrics endpoint.
    struct BackendLoad: Sendable, Equatable {
        /// No server queues more; a larger reading is a broken exporter's, kept at the cap.
        static let maximumWaiting = 1_000_000

        var waiting: Int
        var kvCacheUsage: Double?
        /// After this the reading is too old to route on.
        var validUntil: NIODeadline
    }

    private struct State {
        var inFlight = 0
        var outstandingTokens = 0
        var latency = PeakEWMA()
        var breaker: CircuitBreaker
        var backendLoad: BackendLoad?
    }

    private let state: Mutex<State>

    package init(breaker: CircuitBreaker) {
        self.state = Mutex(State(breaker: breaker))
    }

    var snapshot: Snapshot {
        let now = NIODeadline.now()
        return self.state.withLock { state in
            let backend = state.backendLoad.flatMap { $0.validUntil > now ? $0 : nil }
            return Snapshot(
                inFlight: state.inFlight, outstandingTokens: state.outstandingTokens, latency: state.latency.value,
                breaker: state.breaker.state, waiting: backend?.waiting ?? 0, kvCacheUsage: backend?.kvCacheUsage
            )
        }
    }

    func update(_ load: BackendLoad) {
        self.state.withLock { $0.backendLoad = load }
    }

    func isAvailable(at now: NIODeadline) -> Bool {
        self.state.withLock { $0.breaker.isAvailable(at: now) }
    }

    var reopensAt: NIODeadline? {
        self.state.withLock { $0.breaker.reopensAt }
    }

    /// Tokens one request counts for at most. A client may ask for 5·10^18; no request gets near
    /// 2^32, and with this cap no number of requests in flight can overflow the sum.
    static let maximumTokensPerRequest = 1 << 32

    /// Counts a request against this deployment if its breaker lets it through.
    func begin(tokens: Int, at now: NIODeadline) -> Bool {
        let tokens = Self.counted(tokens)
        return self.state.withLock { state in
            guard state.breaker.admit(at: now) else { return false }
            state.inFlight += 1
            state.outstandingTokens = state.outstandingTokens.addingWithSaturation(tokens)
            return true
        }
    }

    /// Ends a request counted by `begin`, with what became of it.
    func end(tokens: Int, outcome: RoutingLease.Outcome, at now: NIODeadline) {
        let tokens = Self.counted(tokens)
        self.state.withLock { state in
            state.inFlight -= 1
            state.outstandingTokens = state.outstandingTokens.subtractingWithSaturation(tokens)
            switch outcome {
            case .success(let latency):
                state.breaker.recordSuccess()
                if let latency { state.latency.observe(seconds: latency, at: now) }
            case .failure:
                state.breaker.recordFailure(at: now)
            case .abandoned:
                state.breaker.recordAbandoned(at: now)
            }
        }
    }
}

extension DeploymentHealth {
    /// What a request's tokens count for: within `0...maximumTokensPerRequest`.
    static func counted(_ tokens: Int) -> Int {
        min(max(tokens, 0), Self.maximumTokensPerRequest)
    }
}

/// A moving average that jumps up at once on a slow observation and decays back slowly, so a
/// deployment that turns slow is avoided at once (as in Finagle's and Linkerd's balancers).
struct PeakEWMA: Sendable {
    /// Time constant of the decay, in seconds.
    static let decaySeconds = 10.0
    private(set) var value = 0.0
    private var lastUpdate: NIODeadline?

    mutating func observe(seconds: Double, at now: NIODeadline) {
        defer { self.lastUpdate = now }
        guard let last = self.lastUpdate, seconds <= self.value else {
            self.value = max(self.value, seconds)
            return
        }
        let elapsed = Double((now - last).nanoseconds) / 1e9
        let weight = exp(-elapsed / Self.decaySeconds)
        self.value = self.value * weight + seconds * (1 - weight)
    }
}
