import NIOCore
import SluiceCore
import Synchronization

/// Runs an operation and fails it with a timeout when it does not make progress in time (no
/// first token by one instant, too long a silence between tokens, or past the request deadline),
/// or cancels it when the client's connection closes.
///
/// The operation runs in a child task so that it can be cancelled without cancelling the
/// connection's task, which goes on to serve the connection's next request.
enum ProgressWatchdog {
    struct Limits: Sendable {
        /// The instant by which the first progress must happen.
        var firstProgressBy: NIODeadline
        /// The longest allowed gap between two progress marks after the first.
        var maximumGap: TimeAmount
        /// The instant by which the whole operation must finish.
        var deadline: NIODeadline
    }

    /// Progress marks, made by the operation each time something arrives.
    final class Progress: Sendable {
        private let lastNanoseconds = Atomic<UInt64>(0)

        /// Marks that something arrived now.
        func advance() {
            self.lastNanoseconds.store(NIODeadline.now().uptimeNanoseconds, ordering: .relaxed)
        }

        var last: NIODeadline? {
            let value = self.lastNanoseconds.load(ordering: .relaxed)
            return value == 0 ? nil : NIODeadline.uptimeNanoseconds(value)
        }
    }

    /// Runs `operation`, throwing ``GatewayError/timeout(_:)`` when a limit passes first, and
    /// `CancellationError` when `abandonedWhen` (the client's connection closing) completes first.
    /// The limits are timed on that connection's event loop.
    static func run<Value: Sendable>(
        _ limits: Limits, abandonedWhen clientGone: EventLoopFuture<Void>, _ operation: (Progress) async throws -> Value
    ) async throws -> Value {
        let progress = Progress()
        return try await withoutActuallyEscaping(operation) { operation in
            let transfer = ChildTaskTransfer(value: operation)
            return try await withThrowingTaskGroup(of: Value?.self) { group in
                group.addTask { try await transfer.value(progress) }
                group.addTask {
                    try await Self.watch(progress, limits, on: clientGone.eventLoop)
                    return nil
                }
                group.addTask {
                    try await ConnectionCloseSignal.wait(for: clientGone)
                    throw CancellationError()
                }
                defer { group.cancelAll() }
                while let result = try await group.next() {
                    if let value = result { return value }
                }
                throw CancellationError()
            }
        }
    }

    private static func watch(_ progress: Progress, _ limits: Limits, on eventLoop: any EventLoop) async throws {
        while true {
            let due: (instant: NIODeadline, stage: TimeoutStage)
            if let last = progress.last {
                let gapEnd = last + limits.maximumGap
                due = gapEnd < limits.deadline ? (gapEnd, .betweenTokens) : (limits.deadline, .request)
            } else {
                due = limits.firstProgressBy < limits.deadline ? (limits.firstProgressBy, .firstToken) : (limits.deadline, .request)
            }
            let now = NIODeadline.now()
            if now >= due.instant { throw GatewayError.timeout(due.stage) }
            try await Self.sleep(until: due.instant, on: eventLoop)
        }
    }

    /// Sleeps until `deadline`. Not `Task.sleep`: a cancelled `Task.sleep` keeps its timer and
    /// task allocated until the deadline passes (swiftlang/swift#89075), and the watchdog sleeps
    /// toward a deadline a minute away and is cancelled milliseconds later, on every stream. A
    /// cancelled NIO scheduled task leaves its event loop's queue at once.
    private static func sleep(until deadline: NIODeadline, on eventLoop: any EventLoop) async throws {
        let wake = eventLoop.scheduleTask(deadline: deadline) {}
        do {
            try await withTaskCancellationHandler {
                try await wake.futureResult.get()
            } onCancel: {
                wake.cancel()
            }
        } catch {
            throw CancellationError()
        }
    }
}
