import PostgresNIO
import Synchronization

/// Leasing a pooled connection with a deadline. The pool itself waits for a connection as long
/// as the server stays unreachable; a gateway must fail fast instead.
enum ConnectionLease {
    /// Runs `body` on a connection from `client`, or throws `timeoutError()` when no connection is
    /// leased within `timeout`. Once `body` has started it is never interrupted by the deadline.
    static func run<Result: Sendable>(
        on client: PostgresClient, timeout: Duration, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result,
        timeoutError: @escaping @Sendable () -> any Error
    ) async throws -> Result {
        let race = Race()
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask {
                try await client.withConnection { connection in
                    guard race.settle(.leased) else { throw timeoutError() }
                    return try await body(connection)
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                guard race.settle(.timedOut) else { return nil }
                throw timeoutError()
            }
            while let outcome = try await group.next() {
                if let result = outcome {
                    group.cancelAll()
                    return result
                }
            }
            preconditionFailure("the lease task always returns or throws")
        }
    }

    /// Whichever comes first, the connection or the deadline, wins; the other then stands down.
    private final class Race: Sendable {
        enum Winner: UInt8 {
            case none, leased, timedOut
        }

        private let winner = Atomic<UInt8>(Winner.none.rawValue)

        /// True when `candidate` is first.
        func settle(_ candidate: Winner) -> Bool {
            self.winner.compareExchange(expected: Winner.none.rawValue, desired: candidate.rawValue, ordering: .acquiringAndReleasing).exchanged
        }
    }
}
