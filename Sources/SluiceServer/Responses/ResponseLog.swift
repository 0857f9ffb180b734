import Logging
import SluiceConfig
import SluiceCore
import SluiceStore
import Synchronization

/// The stored responses of OpenAI's Responses API, one log per gateway process.
///
/// With a governance store, a response is written through to it and `save` returns only once
/// the store has it, so the next turn finds it on any instance at once; the store is the
/// authority for every lookup a client makes, and recent responses are also held in memory so
/// that a long conversation's older turns are not read again on every request. Without a store
/// the memory is the only copy: bounded by count and bytes, the oldest forgotten first, and
/// gone at a restart.
///
/// ```swift
/// try await log.save(response)
/// let items = try await log.history(continuing: "resp_…", owner: ResponseOwner(caller))
/// ```
final class ResponseLog: Sendable {
    private let store: (any GovernanceStore)?
    private let recent: Mutex<RecentResponses>
    private let historyMaxDepth: Int
    private let historyMaxBytes: Int
    private let now: @Sendable () -> UnixTime
    private let logger: Logger

    /// - Parameters:
    ///   - store: the governance store; nil keeps responses in memory only.
    ///   - now: the wall clock, in Unix seconds (tests move it).
    init(store: (any GovernanceStore)?, settings: ResponsesSettings, logger: Logger, now: @escaping @Sendable () -> UnixTime = WallClock.seconds) {
        self.store = store
        self.recent = Mutex(RecentResponses(maxCount: settings.cacheMaxResponses, maxBytes: settings.cacheMaxBytes))
        self.historyMaxDepth = settings.historyMaxDepth
        self.historyMaxBytes = settings.historyMaxBytes
        self.now = now
        self.logger = logger
    }

    /// Whether responses outlive this process and are seen by other instances sharing the store.
    var isDurable: Bool { self.store != nil }

    /// When a response made at `createdAt` expires after `ttl` (saturating).
    static func expiry(createdAt: UnixTime, ttl: Duration) -> UnixTime {
        let (sum, overflow) = createdAt.addingReportingOverflow(ttl.components.seconds)
        return overflow ? .max : sum
    }

    /// Keeps a finished response; returns once the store has it, so the next turn finds it.
    /// - Throws: a 503 when the store cannot take it; a 500 when the response is not the JSON
    ///   the gateway writes, or (without a store) larger than the memory bound.
    func save(_ response: StoredResponse) async throws(GatewayError) {
        guard JSONDocument.arrayElements(response.inputItems) != nil, JSONDocument.isObject(response.response) else {
            self.logger.error("a response to store is not an input array and a response object", metadata: ["response_id": "\(response.id)"])
            throw .internalError
        }
        if let store = self.store {
            do {
                try await store.saveResponse(response)
            } catch {
                self.logger.error("could not store a response", metadata: ["response_id": "\(response.id)", "error": "\(error)"])
                throw .storeUnavailable
            }
        }
        let now = self.now()
        let held = self.recent.withLock { $0.insert(response, now: now) }
        if !held, self.store == nil {
            self.logger.warning(
                "a response is larger than responses.cache_max_bytes and cannot be kept", metadata: ["response_id": "\(response.id)", "bytes": "\(response.byteCount)"]
            )
            throw GatewayError(
                status: 500, type: "server_error", code: "response_not_stored",
                message: "The response is larger than the gateway keeps in memory (responses.cache_max_bytes), so it was not stored."
            )
        }
    }

    /// The owner's response with that id, unless it has expired, was deleted or never stored.
    func find(id: String, owner: ResponseOwner) async throws(GatewayError) -> StoredResponse? {
        let now = self.now()
        guard let store = self.store else {
            return self.recent.withLock { $0.find(id: id, tenantID: owner.tenantID, now: now) }.flatMap { owner.owns($0) ? $0 : nil }
        }
        let found: StoredResponse?
        do {
            found = try await store.response(id: id, tenantID: owner.tenantID, now: now)
        } catch {
            self.logger.error("could not read a stored response", metadata: ["response_id": "\(id)", "error": "\(error)"])
            throw .storeUnavailable
        }
        guard let found, owner.owns(found) else { return nil }
        self.recent.withLock { _ = $0.insert(found, now: now) }
        return found
    }

    /// Deletes the owner's response; false when it has none with that id. The store goes first,
    /// so a lookup running meanwhile cannot put the response back into memory after it.
    func delete(id: String, owner: ResponseOwner) async throws(GatewayError) -> Bool {
        guard try await self.find(id: id, owner: owner) != nil else { return false }
        let now = self.now()
        var deleted = true
        if let store = self.store {
            do {
                deleted = try await store.deleteResponse(id: id, tenantID: owner.tenantID, now: now)
            } catch {
                self.logger.error("could not delete a stored response", metadata: ["response_id": "\(id)", "error": "\(error)"])
                throw .storeUnavailable
            }
        }
        let inMemory = self.recent.withLock { $0.remove(id: id, tenantID: owner.tenantID, now: now) }
        return deleted || inMemory
    }

    /// The conversation a new turn continues: for each response of the chain that ends at `id`,
    /// oldest first, its own input items and then its output items, each one JSON object's bytes.
    ///
    /// The response `id` names is read from the store (the authority on deletions made by other
    /// instances); the older ones from memory when it still holds them, so an older response
    /// deleted through another instance may still be read here until this one's memory lets it go.
    /// - Throws: OpenAI's 400 `previous_response_not_found` when a response of the chain is
    ///   unknown, expired, deleted, made with `store: false` or another tenant's; a 400 when the
    ///   chain is longer or larger than the configured bounds; a 503 when the store fails.
    func history(continuing id: String, owner: ResponseOwner) async throws(GatewayError) -> [[UInt8]] {
        guard ResponseID.isWellFormed(id) else { throw .malformedResponseID(id, param: "previous_response_id") }
        var chain: [StoredResponse] = []
        var bytes = 0
        var next: String? = id
        while let current = next {
            guard chain.count < self.historyMaxDepth else { throw .conversationTooLong(responses: self.historyMaxDepth) }
            let now = self.now()
            var response = chain.isEmpty ? nil : self.recent.withLock { $0.find(id: current, tenantID: owner.tenantID, now: now) }.flatMap { owner.owns($0) ? $0 : nil }
            if response == nil { response = try await self.find(id: current, owner: owner) }
            guard let response else { throw .previousResponseNotFound(current) }
            let (total, overflow) = bytes.addingReportingOverflow(response.byteCount)
            guard !overflow, total <= self.historyMaxBytes else { throw .conversationTooLarge(bytes: self.historyMaxBytes) }
            bytes = total
            chain.append(response)
            next = response.previousResponseID
        }
        return chain.reversed().flatMap { ResponseItems.elements(ofArray: $0.inputItems) + ResponseItems.output(ofResponse: $0.response) }
    }
}
