import NIOCore

/// Runs an operation that stops when the client leaves: a non-streamed request whose client
/// hangs up cancels its upstream call at once rather than waiting out the answer.
///
/// The operation runs in a child task so that it can be cancelled without cancelling the
/// connection's task, which goes on to serve the connection's next request.
enum ClientDeparture {
    /// Runs `operation`; throws `CancellationError` when `clientGone` completes first.
    static func cancelling<Value: Sendable>(when clientGone: EventLoopFuture<Void>, _ operation: () async throws -> Value) async throws -> Value {
        try await withoutActuallyEscaping(operation) { operation in
            let transfer = ChildTaskTransfer(value: operation)
            return try await withThrowingTaskGroup(of: Value?.self) { group in
                group.addTask { try await transfer.value() }
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
}
