import Foundation
import NIOCore
import SluiceConfig
import SluiceCore

/// Azure OpenAI: OpenAI's API under a resource's deployment,
/// `POST {base_url}/openai/deployments/{deployment}/chat/completions?api-version={api_version}`
/// (and `/completions`, `/embeddings`), with the key in an `api-key` header. The body is forwarded
/// as ``OpenAICompatibleProvider`` forwards it, its `model` set to the deployment name, which
/// Azure ignores in favour of the path.
public struct AzureOpenAIProvider: Provider {
    let forwarder: OpenAICompatibleProvider

    public init(settings: AzureOpenAISettings, upstreamModel: String, client: UpstreamHTTPClient) {
        let origin = settings.origin
        let query = "api-version=\(Self.percentEncoded(settings.apiVersion))"
        let root = "\(origin.basePath)/openai/deployments/\(Self.percentEncoded(upstreamModel))"
        self.forwarder = OpenAICompatibleProvider(
            origin: origin, upstreamModel: upstreamModel, client: client,
            paths: EndpointPaths { "\(root)/\($0.path)?\(query)" },
            probePath: "\(origin.basePath)/openai/models?\(query)",
            credential: settings.apiKey.map { (name: "api-key", value: $0.value) }
        )
    }

    public func send(_ request: ProviderRequest) async throws -> ProviderResponse {
        try await self.forwarder.send(request)
    }

    /// `GET /openai/models`, which lists the resource's models without running one.
    public func probe(deadline: NIODeadline) async throws {
        try await self.forwarder.probe(deadline: deadline)
    }

    /// Characters a path segment or query value may hold as they are (RFC 3986 unreserved).
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    private static func percentEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? text
    }
}
