import NIOCore
import Synchronization

/// Waits, cancellably, for a connection to close: `EventLoopFuture.get()` ignores task
/// cancellation, which would keep a task group waiting after its work is done.
enum ConnectionCloseSignal {
    private enum State {
        case initial
        case waiting(UnsafeContinuation<Void, any Error>)
        case cancelled
        case finished
    }

    /// Returns when `closeFuture` completes; throws `CancellationError` when the task is cancelled first.
    static func wait(for closeFuture: EventLoopFuture<Void>) async throws {
        let state = Mutex(State.initial)
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
                let alreadyCancelled = state.withLock { state in
                    if case .cancelled = state {
                        state = .finished
                        return true
                    }
                    state = .waiting(continuation)
                    return false
                }
                if alreadyCancelled {
                    continuation.resume(throwing: CancellationError())
                    return
                }
                closeFuture.whenComplete { _ in
                    Self.take(state)?.resume()
                }
            }
        } onCancel: {
            let waiting = state.withLock { state -> UnsafeContinuation<Void, any Error>? in
                switch state {
                case .initial:
                    state = .cancelled
                    return nil
                case .waiting(let continuation):
                    state = .finished
                    return continuation
                case .cancelled, .finished:
                    return nil
                }
            }
            waiting?.resume(throwing: CancellationError())
        }
    }

    private static func take(_ state: borrowing Mutex<State>) -> UnsafeContinuation<Void, any Error>? {
        state.withLock { state in
            guard case .waiting(let continuation) = state else { return nil }
            state = .finished
            return continuation
        }
    }
}
