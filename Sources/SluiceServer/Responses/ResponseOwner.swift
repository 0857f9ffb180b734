import SluiceStore

/// Whose stored responses a caller may read, continue and delete: its tenant's, or, for a key
/// without a tenant, the key's own (the config's static keys, which have no id, share theirs).
struct ResponseOwner: Sendable, Equatable {
    let tenantID: String?
    let keyID: String?

    init(tenantID: String?, keyID: String?) {
        self.tenantID = tenantID
        self.keyID = keyID
    }

    init(_ caller: Caller) {
        self.init(tenantID: caller.tenantID, keyID: caller.keyID)
    }

    /// The owner of what the config's static keys store.
    static let staticKeys = ResponseOwner(tenantID: nil, keyID: nil)

    func owns(_ response: StoredResponse) -> Bool {
        response.tenantID == self.tenantID && (self.tenantID != nil || response.keyID == self.keyID)
    }
}
