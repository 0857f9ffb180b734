/// OpenAI's Responses API (`/v1/responses`): how long responses are kept for
/// `previous_response_id` and `GET /v1/responses/{id}`, the key that seals reasoning handed to
/// clients, hosted tools, and the bounds of the state the gateway keeps in memory.
public struct ResponsesSettings: Sendable, Equatable {
    /// How long a stored response can be read and continued; OpenAI keeps them 30 days.
    public var storeTTL: Duration = .seconds(30 * 86_400)
    /// 32 bytes, base64: the AES-GCM key of the reasoning envelopes (`encrypted_content`) handed
    /// to clients. Nil makes a random key per process, so envelopes survive only until a restart
    /// and are not understood by other instances.
    public var reasoningKey: Secret?
    /// Refuse requests naming hosted tools (`web_search`, `file_search`, code interpreter) that a
    /// translated backend cannot run, instead of leaving them out.
    public var refuseHostedTools = false
    /// Responses kept in memory: a cache in front of the governance store, or the only copy when
    /// the config has no store (then the oldest are forgotten past these bounds).
    public var cacheMaxResponses = 10_000
    public var cacheMaxBytes = 256 << 20
    /// How many responses one `previous_response_id` chain may reach back, and how many bytes
    /// of items it may bring in; a longer conversation is refused with a 400.
    public var historyMaxDepth = 1_000
    public var historyMaxBytes = 64 << 20

    /// The length of a reasoning key, in bytes (AES-256).
    public static let reasoningKeyBytes = 32

    public init() {}
}
