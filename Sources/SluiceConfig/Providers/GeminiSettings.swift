import SluiceCore

/// Where and with which key a `gemini` deployment calls Google's Gemini API.
public struct GeminiSettings: Sendable, Equatable {
    /// The API root, such as `https://generativelanguage.googleapis.com/v1beta`.
    public var origin: UpstreamOrigin
    /// Sent as `x-goog-api-key`.
    public var apiKey: Secret?

    /// The Gemini API root, used when a deployment names none.
    public static let defaultBaseURL = "https://generativelanguage.googleapis.com/v1beta"

    public init(origin: UpstreamOrigin, apiKey: Secret? = nil) {
        self.origin = origin
        self.apiKey = apiKey
    }
}

extension GeminiSettings {
    /// The deployment keys this kind reads.
    static let keys: Set<String> = ["base_url", "tls", "api_key"]

    /// `base_url` (Google's by default) and `api_key`.
    static func read(_ entry: DeploymentEntry, reader: inout ConfigReader) -> Self? {
        let apiKey = entry.apiKey(reader: &reader)
        guard let origin = entry.origin(default: Self.defaultBaseURL, reader: &reader) else { return nil }
        return Self(origin: origin, apiKey: apiKey)
    }
}
