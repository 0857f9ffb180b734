import SluiceConfig

/// Builds the provider for a deployment; the one place that knows every provider kind.
public enum ProviderFactory {
    public static func make(_ deployment: DeploymentConfig, publicModel: String, client: UpstreamHTTPClient) -> any Provider {
        let model = deployment.upstreamModel
        switch deployment.settings {
        case .openai(let settings):
            return OpenAICompatibleProvider(settings: settings, upstreamModel: model, client: client)
        case .anthropic(let settings):
            return AnthropicProvider(
                settings: settings, upstreamModel: model, publicModel: publicModel, maxOutputTokens: deployment.maxOutputTokens,
                reasoning: deployment.reasoning, client: client
            )
        case .gemini(let settings):
            return GeminiProvider(settings: settings, upstreamModel: model, publicModel: publicModel, client: client)
        case .azure(let settings):
            return AzureOpenAIProvider(settings: settings, upstreamModel: model, client: client)
        case .bedrock(let settings):
            return BedrockProvider(settings: settings, upstreamModel: model, publicModel: publicModel, client: client)
        case .mock(let settings):
            return MockProvider(settings: settings, publicModel: publicModel)
        }
    }
}
