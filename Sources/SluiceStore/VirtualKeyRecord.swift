/// A virtual key as stored: never the key itself, only its SHA-256 hash and a short prefix that
/// identifies it in lists and logs.
public struct VirtualKeyRecord: Sendable, Equatable, Codable {
    /// The key's public id: its first characters (`sk-sluice-` and 8 more), unique.
    public var id: String
    /// SHA-256 of the whole key, lowercase hex.
    public var hash: String
    public var tenantID: String?
    public var name: String
    /// Public model names the key may use; empty means every model.
    public var allowedModels: [String]
    public var metadata: [String: String]
    /// Requests per minute this key may make; nil for no key-specific limit.
    public var requestsPerMinute: Int?
    /// Tokens (prompt estimate + requested output) per minute; nil for no key-specific limit.
    public var tokensPerMinute: Int?
    public var createdAt: UnixTime
    public var expiresAt: UnixTime?
    public var revokedAt: UnixTime?

    public init(
        id: String, hash: String, tenantID: String?, name: String, allowedModels: [String] = [], metadata: [String: String] = [:],
        requestsPerMinute: Int? = nil, tokensPerMinute: Int? = nil, createdAt: UnixTime, expiresAt: UnixTime? = nil,
        revokedAt: UnixTime? = nil
    ) {
        self.id = id
        self.hash = hash
        self.tenantID = tenantID
        self.name = name
        self.allowedModels = allowedModels
        self.metadata = metadata
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }
}
