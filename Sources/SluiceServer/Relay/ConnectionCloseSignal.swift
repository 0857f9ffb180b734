import NIOCore
import Synchronization

/// Waits, cancellably, for a connection to close (`EventLoopFuture.get()` ignores task
/// cancellation, which would keep a task group waiting after its work is done), or cancels the
/// task serving the connection's request when it closes.
///
/// A future's callbacks cannot be removed, and a kept-alive connection serves any number of
/// requests, each watching its close: a callback per watch would keep every finished request's
/// callback until the client hangs up. So a close future gets one callback, added by the first
/// watch on it, and watches come and go in a table of open connections that the callback clears
/// when the connection closes.
enum ConnectionCloseSignal {
    /// Something told when its connection closes (or, for a wait, when its task is cancelled).
    private protocol Watch: AnyObject, Sendable {
        func end(closed: Bool)
    }

    /// One wait: resumed once, by the connection's close or by its task's cancellation,
    /// whichever comes first, even when that comes before the wait suspends.
    private final class Waiter: Watch {
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
        var waiters: [ObjectIdentifier: any Watch] = [:]
    }

    private static let connections = Mutex<[ObjectIdentifier: Connection]>([:])

    /// Returns when `closeFuture` completes; throws `CancellationError` when the task is cancelled first.
    static func wait(for closeFuture: EventLoopFuture<Void>) async throws {
        let waiter = Waiter()
        self.add(waiter, on: closeFuture)
        defer { self.remove(waiter, from: closeFuture) }
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in waiter.suspend(continuation) }
        } onCancel: {
            waiter.end(closed: false)
        }
    }

    /// Runs `operation` in the calling task, and cancels that task should `closeFuture` complete
    /// before `operation` returns. No task is made: the connection's own task is cancelled, which
    /// is safe since a closed connection has no next request for it to serve.
    static func cancellingTask<Value>(whenClosed closeFuture: EventLoopFuture<Void>, _ operation: () async throws -> Value) async throws -> Value {
        try await withUnsafeCurrentTask { task in
            guard let task else { return try await operation() }
            let canceller = TaskCanceller(task)
            self.add(canceller, on: closeFuture)
            defer {
                self.remove(canceller, from: closeFuture)
                canceller.disarm()
            }
            return try await operation()
        }
    }

    /// Cancels a task when its connection closes, unless disarmed first. The task stays alive
    /// while armed (it disarms before it returns), and cancelling and disarming exclude each other.
    private final class TaskCanceller: Watch {
        // Used only under `armed`'s lock, while armed; the task disarms before it ends.
        private nonisolated(unsafe) let task: UnsafeCurrentTask
        private let armed = Mutex(true)

        init(_ task: UnsafeCurrentTask) {
            self.task = task
        }

        func end(closed: Bool) {
            self.armed.withLock { armed in
                guard closed, armed else { return }
                self.task.cancel()
                armed = false
            }
        }

        func disarm() {
            self.armed.withLock { $0 = false }
        }
    }

    private static func add(_ watch: any Watch, on closeFuture: EventLoopFuture<Void>) {
        let connection = ObjectIdentifier(closeFuture)
        let isFirst = self.connections.withLock { connections in
            let isFirst = connections[connection] == nil
            connections[connection, default: Connection(closeFuture: closeFuture)].waiters[ObjectIdentifier(watch)] = watch
            return isFirst
        }
        if isFirst {
            closeFuture.whenComplete { _ in Self.closed(connection) }
        }
    }

    private static func remove(_ watch: any Watch, from closeFuture: EventLoopFuture<Void>) {
        _ = self.connections.withLock { $0[ObjectIdentifier(closeFuture)]?.waiters.removeValue(forKey: ObjectIdentifier(watch)) }
    }

    private static func closed(_ id: ObjectIdentifier) {
        guard let connection = self.connections.withLock({ $0.removeValue(forKey: id) }) else { return }
        for waiter in connection.waiters.values { waiter.end(closed: true) }
    }
}
