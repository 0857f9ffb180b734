import Foundation

extension Process {
    /// Starts the process and waits for it to exit without holding a thread. `waitUntilExit()`
    /// would block one of the cooperative pool's few threads (one per core), which the gateways
    /// and stubs running in this process need, often to answer that very process; with tests
    /// running in parallel, two such waits stall every test.
    func runUntilExit() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            self.terminationHandler = { _ in continuation.resume() }
            do {
                try self.run()
            } catch {
                self.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
    }
}
