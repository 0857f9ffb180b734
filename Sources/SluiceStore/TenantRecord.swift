/// A tenant: the organisation or team keys and budgets belong to.
public struct TenantRecord: Sendable, Equatable, Codable {
    /// Chosen by the operator: letters, digits, `-`, `_`, `.`.
    public var id: String
    public var name: String
    /// Free-form string pairs the operator attaches.
    public var metadata: [String: String]
    public var createdAt: UnixTime

    public init(id: String, name: String, metadata: [String: String] = [:], createdAt: UnixTime) {
        self.id = id
        self.name = name
        self.metadata = metadata
        self.createdAt = createdAt
    }
}
