import SluiceCore

/// Where, with which key and at which API version an `anthropic` deployment calls the Messages API.
public struct AnthropicSettings: Sendable, Equatable {
    /// The API root, such as `https://api.anthropic.com/v1`.
    public var origin: UpstreamOrigin
    /// Sent as `x-api-key`.
    public var apiKey: Secret?
    /// The `anthropic-version` header of translated requests (a natively forwarded request
    /// carries its client's).
    public var version: String

    /// Anthropic's API root, used when a deployment names none.
    public static let defaultBaseURL = "https://api.anthropic.com/v1"
    /// The Messages API version sent when a deployment names none.
    public static let defaultVersion = "2023-06-01"

    public init(origin: UpstreamOrigin, apiKey: Secret? = nil, version: String = Self.defaultVersion) {
        self.origin = origin
        self.apiKey = apiKey
        self.version = version
    }
}

extension AnthropicSettings {
    /// The deployment keys this kind reads.
    static let keys: Set<String> = ["base_url", "tls", "api_key", "anthropic_version"]

    /// `base_url` (Anthropic's by default), `api_key` and `anthropic_version`.
    static func read(_ entry: DeploymentEntry, reader: inout ConfigReader) -> Self? {
        let apiKey = entry.apiKey(reader: &reader)
        let version = entry.setting("anthropic_version", reader: &reader)
        guard let origin = entry.origin(default: Self.defaultBaseURL, reader: &reader) else { return nil }
        return Self(origin: origin, apiKey: apiKey, version: version ?? Self.defaultVersion)
    }
}
