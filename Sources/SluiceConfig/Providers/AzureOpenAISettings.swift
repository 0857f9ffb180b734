import SluiceCore

/// Where, with which key and at which API version an `azure` deployment (Azure OpenAI) is called.
public struct AzureOpenAISettings: Sendable, Equatable {
    /// The resource's endpoint, such as `https://myres.openai.azure.com`.
    public var origin: UpstreamOrigin
    /// Sent as `api-key`.
    public var apiKey: Secret?
    /// The `api-version` query parameter.
    public var apiVersion: String

    /// The API version used when a deployment names none.
    public static let defaultAPIVersion = "2024-10-21"

    public init(origin: UpstreamOrigin, apiKey: Secret? = nil, apiVersion: String = Self.defaultAPIVersion) {
        self.origin = origin
        self.apiKey = apiKey
        self.apiVersion = apiVersion
    }
}

extension AzureOpenAISettings {
    /// The deployment keys this kind reads.
    static let keys: Set<String> = ["base_url", "tls", "api_key", "api_version"]

    /// `base_url` (required), `api_key` and `api_version`.
    static func read(_ entry: DeploymentEntry, reader: inout ConfigReader) -> Self? {
        let apiKey = entry.apiKey(reader: &reader)
        let apiVersion = entry.setting("api_version", reader: &reader)
        guard let origin = entry.origin(default: nil, reader: &reader) else { return nil }
        return Self(origin: origin, apiKey: apiKey, apiVersion: apiVersion ?? Self.defaultAPIVersion)
    }
}
