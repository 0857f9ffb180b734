import NIOCore
import Synchronization

/// Waits, cancellably, for a connection to close: `EventLoopFuture.get()` ignores task
/// cancellation, which would keep a task group waiting after its work is done.
///
/// A future's callbacks cannot be removed, and a kept-alive connection serves any number of
/// streams, each waiting on its close a few times: a callback per wait would keep every finished
/// stream's callback until the client hangs up. So a close future gets one callback, added by
/// the first wait on it, and waits come and go in a table of open connections that the callback
/// clears when the connection closes.
enum ConnectionCloseSignal {
    /// One wait: resumed once, by the connection's close or by its task's cancellation,
    /// whichever comes first, even when that comes before the wait suspends.
    private final class Waiter: Sendable {
        private enum State {
            case initial
            case waiting(UnsafeContinuation<Void, any Error>)
            case ended(closed: Bool)
        }

        private let state = Mutex(State.initial)

        func suspend(_ continuation: UnsafeContinuation<Void, any Error>) {
            let ended = self.state.withLock { state -> Bool? in
                guard case .ended(let closed) = state else {
                    state = .waiting(continuation)
                    return nil
                }
                return closed
            }
            switch ended {
            case true?: continuation.resume()
            case false?: continuation.resume(throwing: CancellationError())
            case nil: break
            }
        }

        /// Ends the wait: it returns when `closed`, else throws `CancellationError`.
        func end(closed: Bool) {
            let waiting = self.state.withLock { state -> UnsafeContinuation<Void, any Error>? in
                switch state {
                case .initial:
                    state = .ended(closed: closed)
                    return nil
                case .waiting(let continuation):
                    state = .ended(closed: closed)
                    return continuation
                case .ended:
                    return nil
                }
            }
            if closed { waiting?.resume() } else { waiting?.resume(throwing: CancellationError()) }
        }
    }

    /// A connection that some request waited on, until it closes.
    private struct Connection {
        /// Held so that no other future can take its identity while the entry stands.
        let closeFuture: EventLoopFuture<Void>
        var waiters: [ObjectIdentifier: Waiter] = [:]
    }

    private static let connections = Mutex<[ObjectIdentifier: Connection]>([:])

    /// Returns when `closeFuture` completes; throws `CancellationError` when the task is cancelled first.
    static func wait(for closeFuture: EventLoopFuture<Void>) async throws {
        let waiter = Waiter()
        let connection = ObjectIdentifier(closeFuture)
        let isFirst = self.connections.withLock { connections in
            let isFirst = connections[connection] == nil
            connections[connection, default: Connection(closeFuture: closeFuture)].waiters[ObjectIdentifier(waiter)] = waiter
            return isFirst
        }
        if isFirst {
            closeFuture.whenComplete { _ in Self.closed(connection) }
        }
        defer {
            _ = self.connections.withLock { $0[connection]?.waiters.removeValue(forKey: ObjectIdentifier(waiter)) }
        }
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in waiter.suspend(continuation) }
        } onCancel: {
            waiter.end(closed: false)
        }
    }

    private static func closed(_ id: ObjectIdentifier) {
        guard let connection = self.connections.withLock({ $0.removeValue(forKey: id) }) else { return }
        for waiter in connection.waiters.values { waiter.end(closed: true) }
    }
}
