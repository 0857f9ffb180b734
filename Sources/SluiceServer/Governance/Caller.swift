import SluiceStore

/// Who is calling: a virtual key from the store (with its tenant and limits), or one of the
/// config's static keys.
struct Caller: Sendable {
    /// The virtual key's id; nil for a static key.
    let keyID: String?
    let tenantID: String?
    /// Models the key may use; empty for every model.
    let allowedModels: Set<String>
    let requestsPerMinute: Int?
    let tokensPerMinute: Int?
    /// The pipeline profile the key asks for (its metadata entry `profile`).
    let profile: String?

    static let staticKey = Caller(keyID: nil, tenantID: nil, allowedModels: [], requestsPerMinute: nil, tokensPerMinute: nil)

    init(keyID: String?, tenantID: String?, allowedModels: Set<String>, requestsPerMinute: Int?, tokensPerMinute: Int?, profile: String? = nil) {
        self.keyID = keyID
        self.tenantID = tenantID
        self.allowedModels = allowedModels
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
        self.profile = profile
    }

    /// A virtual key, with the configured per-key limits where it sets none of its own.
    init(_ key: VirtualKeyRecord, defaultRequestsPerMinute: Int?, defaultTokensPerMinute: Int?) {
        self.init(
            keyID: key.id, tenantID: key.tenantID, allowedModels: Set(key.allowedModels),
            requestsPerMinute: key.requestsPerMinute ?? defaultRequestsPerMinute, tokensPerMinute: key.tokensPerMinute ?? defaultTokensPerMinute,
            profile: key.metadata["profile"]
        )
    }

    func mayUse(_ model: String) -> Bool {
        self.allowedModels.isEmpty || self.allowedModels.contains(model)
    }
}
