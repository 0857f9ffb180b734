import Logging
import NIOCore
import SluiceConfig
import SluiceCore
import SluiceStore
import Synchronization

/// The virtual keys, by hash, read from the store and kept in memory so that checking a key
/// costs a hash and a lookup. Read again every refresh interval (keys created, revoked or
/// expired by other instances); a key not known yet is looked up in the store once.
final class KeyDirectory: Sendable {
    private struct State {
        var byHash: [String: VirtualKeyRecord] = [:]
        /// Hashes the store did not know, until when they are not asked about again.
        var unknown: [String: NIODeadline] = [:]
    }

    /// How long a key the store did not know is not asked about again.
    static let unknownKeyRecheck = TimeAmount.seconds(1)
    /// Unknown hashes remembered at most; a flood of made-up keys cannot grow memory past it.
    static let maximumUnknown = 10_000

    private let store: any GovernanceStore
    private let settings: (requestsPerMinute: Int?, tokensPerMinute: Int?)
    private let health: StoreHealth
    /// How long known keys keep working while the store cannot be reached.
    private let outageGrace: Duration
    private let state = Mutex(State())

    init(store: any GovernanceStore, settings: GovernanceSettings, health: StoreHealth) {
        self.store = store
        self.settings = (settings.requestsPerMinutePerKey, settings.tokensPerMinutePerKey)
        self.health = health
        self.outageGrace = settings.knownKeysWhenStoreUnreachable
    }

    /// Reads every key from the store.
    func refresh() async throws {
        let keys = try await self.store.keys(tenantID: nil)
        let byHash = Dictionary(keys.map { ($0.hash, $0) }, uniquingKeysWith: { first, _ in first })
        self.state.withLock { state in
            state.byHash = byHash
            state.unknown = [:]
        }
    }

    /// Records a change made through this instance, so it takes effect here at once.
    func remember(_ key: VirtualKeyRecord) {
        self.state.withLock { state in
            state.byHash[key.hash] = key
            state.unknown[key.hash] = nil
        }
    }

    /// The caller a presented virtual key stands for.
    /// - Throws: 401 for an unknown, revoked or expired key; 503 (store unavailable) for a key
    ///   the store must be asked about and cannot be, and for every key once the store has been
    ///   unreachable longer than the grace for known keys.
    func caller(presenting key: some Collection<UInt8>) async throws(GatewayError) -> Caller {
        guard VirtualKeyMaterial.isWellFormed(key) else { throw GatewayError.invalidAPIKey }
        let hash = VirtualKeyMaterial.hash(key)
        let now = NIODeadline.now()
        var record = self.state.withLock { state -> VirtualKeyRecord?? in
            if let record = state.byHash[hash] { return .some(record) }
            if let until = state.unknown[hash], until > now { return .some(nil) }
            return nil
        }
        if record == nil {
            let found: VirtualKeyRecord?
            do {
                guard self.health.isReachable else { throw GatewayError.storeUnavailable }
                found = try await self.health.observing { try await self.store.key(hash: hash) }
            } catch {
                throw GatewayError.storeUnavailable
            }
            self.state.withLock { state in
                if let found {
                    state.byHash[hash] = found
                } else {
                    if state.unknown.count >= Self.maximumUnknown { state.unknown = [:] }
                    state.unknown[hash] = now + Self.unknownKeyRecheck
                }
            }
            record = .some(found)
        }
        guard let key = record ?? nil else { throw GatewayError.invalidAPIKey }
        if self.health.unreachable(longerThan: self.outageGrace) { throw GatewayError.storeUnavailable }
        if key.revokedAt != nil { throw GatewayError.revokedAPIKey }
        if let expiry = key.expiresAt, expiry <= WallClock.seconds() { throw GatewayError.expiredAPIKey }
        return Caller(key, defaultRequestsPerMinute: self.settings.requestsPerMinute, defaultTokensPerMinute: self.settings.tokensPerMinute)
    }
}
