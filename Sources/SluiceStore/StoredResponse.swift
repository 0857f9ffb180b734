/// One finished response of OpenAI's Responses API, kept so that a later turn can continue it
/// (`previous_response_id`) and clients can read it back (`GET /v1/responses/{id}`) until it
/// expires. Only the gateway writes these rows; both JSON values are checked when read.
public struct StoredResponse: Sendable, Equatable {
    /// `resp_…`, made by the gateway.
    public var id: String
    /// The tenant of the key that made it; only callers of the same tenant may read it.
    public var tenantID: String?
    /// The virtual key that made it; nil for a static key from the config.
    public var keyID: String?
    public var createdAt: UnixTime
    /// When it stops being readable; expired rows are purged.
    public var expiresAt: UnixTime
    /// The response this one continued, whose own chain comes before it.
    public var previousResponseID: String?
    /// The public model name the client asked for.
    public var model: String
    /// This turn's own input items (not those its predecessors brought in): a JSON array.
    public var inputItems: [UInt8]
    /// The response object as the client received it, with its `output`: a JSON object.
    public var response: [UInt8]

    public init(
        id: String, tenantID: String?, keyID: String?, createdAt: UnixTime, expiresAt: UnixTime, previousResponseID: String?, model: String,
        inputItems: [UInt8], response: [UInt8]
    ) {
        self.id = id
        self.tenantID = tenantID
        self.keyID = keyID
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.previousResponseID = previousResponseID
        self.model = model
        self.inputItems = inputItems
        self.response = response
    }

    /// The bytes the two JSON values hold, which memory bounds count.
    public var byteCount: Int { self.inputItems.count + self.response.count }
}
