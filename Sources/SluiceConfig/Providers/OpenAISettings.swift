import SluiceCore

/// Where and with which key an `openai` deployment, any OpenAI-compatible server, is called.
public struct OpenAISettings: Sendable, Equatable {
    /// The API root, such as `https://api.openai.com/v1`.
    public var origin: UpstreamOrigin
    /// Sent as `Authorization: Bearer …`; nil for servers that take none.
    public var apiKey: Secret?

    public init(origin: UpstreamOrigin, apiKey: Secret? = nil) {
        self.origin = origin
        self.apiKey = apiKey
    }
}

extension OpenAISettings {
    /// The deployment keys this kind reads.
    static let keys: Set<String> = ["base_url", "api_key"]

    /// `base_url` (required) and `api_key`.
    static func read(_ entry: DeploymentEntry, reader: inout ConfigReader) -> Self? {
        let apiKey = entry.apiKey(reader: &reader)
        guard let origin = entry.origin(default: nil, reader: &reader) else { return nil }
        return Self(origin: origin, apiKey: apiKey)
    }
}
