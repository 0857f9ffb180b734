/// Where and as whom a `bedrock` deployment calls Amazon Bedrock Runtime.
public struct BedrockSettings: Sendable, Equatable {
    /// The AWS region, such as `us-east-1`; it names the endpoint and the signing scope.
    public var region: String
    public var accessKeyID: String
    public var secretAccessKey: Secret
    /// The session token of temporary credentials.
    public var sessionToken: Secret?

    public init(region: String, accessKeyID: String, secretAccessKey: Secret, sessionToken: Secret? = nil) {
        self.region = region
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// Bedrock Runtime's regional endpoint, used when the deployment names no `base_url`.
    public var defaultBaseURL: String { "https://bedrock-runtime.\(self.region).amazonaws.com" }
}
