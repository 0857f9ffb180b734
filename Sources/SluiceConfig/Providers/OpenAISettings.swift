import SluiceCore

/// Where and with which key an `openai` deployment, any OpenAI-compatible server, is called.
public struct OpenAISettings: Sendable, Equatable {
    /// The API root, such as `https://api.openai.com/v1`.
    public var origin: UpstreamOrigin
    /// Sent as `Authorization: Bearer …`; nil for servers that take none.
    public var apiKey: Secret?
    /// Whether the server answers OpenAI's Responses API (`/responses`) itself; when it does not,
    /// Responses requests reach it as chat completions.
    public var servesResponses: Bool

    public init(origin: UpstreamOrigin, apiKey: Secret? = nil, servesResponses: Bool = false) {
        self.origin = origin
        self.apiKey = apiKey
        self.servesResponses = servesResponses
    }
}

extension OpenAISettings {
    /// The deployment keys this kind reads.
    static let keys: Set<String> = ["base_url", "tls", "api_key", "responses_api"]

    /// `base_url` (required), `api_key` and `responses_api` (default false).
    static func read(_ entry: DeploymentEntry, reader: inout ConfigReader) -> Self? {
        let apiKey = entry.apiKey(reader: &reader)
        let servesResponses = entry.flag("responses_api", reader: &reader) ?? false
        guard let origin = entry.origin(default: nil, reader: &reader) else { return nil }
        return Self(origin: origin, apiKey: apiKey, servesResponses: servesResponses)
    }
}
