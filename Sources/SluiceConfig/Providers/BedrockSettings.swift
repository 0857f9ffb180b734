import SluiceCore

/// Where and as whom a `bedrock` deployment calls Amazon Bedrock Runtime.
public struct BedrockSettings: Sendable, Equatable {
    /// The AWS region, such as `us-east-1`; it names the default endpoint and the signing scope.
    public var region: String
    public var accessKeyID: String
    public var secretAccessKey: Secret
    /// The session token of temporary credentials.
    public var sessionToken: Secret?
    /// Bedrock Runtime's regional endpoint, or the one the deployment names (a VPC endpoint).
    public var origin: UpstreamOrigin

    public init(region: String, accessKeyID: String, secretAccessKey: Secret, sessionToken: Secret? = nil, origin: UpstreamOrigin) {
        self.region = region
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.origin = origin
    }

    /// Bedrock Runtime's endpoint in `region`, used when a deployment names no `base_url`.
    public static func regionalBaseURL(_ region: String) -> String { "https://bedrock-runtime.\(region).amazonaws.com" }
}

extension BedrockSettings {
    /// The deployment keys this kind reads.
    static let keys: Set<String> = ["base_url", "tls", "region", "aws_access_key_id", "aws_secret_access_key", "aws_session_token"]

    /// `region`, `aws_access_key_id`, `aws_secret_access_key` (all required), `aws_session_token`
    /// and `base_url` (the regional endpoint by default).
    static func read(_ entry: DeploymentEntry, reader: inout ConfigReader) -> Self? {
        let region = entry.requiredSetting("region", reader: &reader)
        let accessKeyID = entry.requiredSetting("aws_access_key_id", reader: &reader)
        let secretAccessKey = entry.requiredSetting("aws_secret_access_key", secret: true, reader: &reader)
        let sessionToken = entry.setting("aws_session_token", secret: true, reader: &reader)
        // Without a region there is no default endpoint; the missing region is reported already.
        let origin = region == nil && entry.members["base_url"] == nil ? nil : entry.origin(default: region.map(Self.regionalBaseURL), reader: &reader)
        guard let region, let accessKeyID, let secretAccessKey, let origin else { return nil }
        return Self(
            region: region, accessKeyID: accessKeyID, secretAccessKey: Secret(secretAccessKey), sessionToken: sessionToken.map(Secret.init), origin: origin
        )
    }
}
