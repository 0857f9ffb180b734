import SluiceCore
import SluiceStore
import Synchronization

/// The responses this process is generating now, by id, so that `POST /v1/responses/{id}/cancel`
/// can stop one. Sluice has no background mode: these are the streamed and whole responses
/// whose clients are still waiting (or whose WebSocket is open).
final class RunningResponses: Sendable {
    /// One running response: whose it is, and how to stop it.
    struct Running: Sendable {
        let tenantID: String?
        let model: String
        let createdAt: UnixTime
        /// Stops the response (its upstream request, and its answer to the client).
        let cancel: @Sendable () -> Void
    }

    private let running = Mutex<[String: Running]>([:])

    init() {}

    /// Registers a response as it starts; false when a response with that id is running already.
    func register(id: String, tenantID: String?, model: String, createdAt: UnixTime, cancel: @escaping @Sendable () -> Void) -> Bool {
        self.running.withLock { running in
            guard running[id] == nil else { return false }
            running[id] = Running(tenantID: tenantID, model: model, createdAt: createdAt, cancel: cancel)
            return true
        }
    }

    /// Forgets a response that has finished (or failed, or was cancelled).
    func finish(id: String) {
        _ = self.running.withLock { $0.removeValue(forKey: id) }
    }

    /// Cancels the tenant's running response with that id and forgets it; nil when the tenant
    /// has none running with that id.
    func cancel(id: String, tenantID: String?) -> Running? {
        let cancelled: Running? = self.running.withLock { running in
            guard let entry = running[id], entry.tenantID == tenantID else { return nil }
            running[id] = nil
            return entry
        }
        cancelled?.cancel()
        return cancelled
    }
}
