import NIOCore
import Synchronization

/// An event loop as a Swift task executor: a connection's task prefers the loop its channel is
/// on, so the request's async functions, its upstream connection (pooled per loop) and its writes
/// all run on that one thread, and a call into a nonisolated async function is a plain call.
///
/// Without it each such call is a round trip through the loop's task queue: the jobs NIO runs as
/// Swift's global executor run isolated to the loop's serial executor, so every hop to the
/// generic executor is enqueued again (about 50 per proxied request, measured with uprobes on
/// `swift_task_enqueue`). SwiftNIO has no task executor for its loops yet, hence this one.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    private init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        self.eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }

    private static let byLoop = Mutex<[ObjectIdentifier: EventLoopTaskExecutor]>([:])

    /// The executor of `eventLoop`, one per loop for the life of the process.
    static func of(_ eventLoop: any EventLoop) -> EventLoopTaskExecutor {
        Self.byLoop.withLock { executors in
            if let executor = executors[ObjectIdentifier(eventLoop)] { return executor }
            let executor = EventLoopTaskExecutor(eventLoop: eventLoop)
            executors[ObjectIdentifier(eventLoop)] = executor
            return executor
        }
    }
}
