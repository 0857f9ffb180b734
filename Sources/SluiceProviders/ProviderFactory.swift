import SluiceConfig

/// Builds the provider for a deployment; the one place that knows every provider kind.
public enum ProviderFactory {
    public static func make(_ deployment: DeploymentConfig, publicModel: String, client: UpstreamHTTPClient) -> any Provider {
        switch deployment.provider {
        case .openai:
            OpenAICompatibleProvider(deployment: deployment, client: client)
        case .anthropic:
            AnthropicProvider(deployment: deployment, publicModel: publicModel, client: client)
        case .gemini:
            GeminiProvider(deployment: deployment, publicModel: publicModel, client: client)
        case .azure:
            AzureOpenAIProvider(deployment: deployment, client: client)
        case .bedrock:
            BedrockProvider(deployment: deployment, publicModel: publicModel, client: client)
        case .mock:
            MockProvider(settings: deployment.mock ?? MockSettings(), publicModel: publicModel)
        }
    }
}
