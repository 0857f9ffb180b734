import SluiceConfig

/// Builds the provider for a deployment; the one place that knows every provider kind.
public enum ProviderFactory {
    public static func make(_ deployment: DeploymentConfig, publicModel: String, client: UpstreamHTTPClient) -> any Provider {
        let model = deployment.upstreamModel
        switch deployment.settings {
        case .openai(let settings):
            return OpenAICompatibleProvider(settings: settings, upstreamModel: model, reasoning: deployment.reasoning, client: client)
        case .anthropic(let settings):
            return AnthropicProvider(
                settings: settings, upstreamModel: model, publicModel: publicModel, maxOutputTokens: deployment.maxOutputTokens,
                reasoning: deployment.reasoning, client: client
            )
        case .gemini(let settings):
            return self.handlingReasoning(GeminiProvider(settings: settings, upstreamModel: model, publicModel: publicModel, client: client), deployment)
        case .azure(let settings):
            return AzureOpenAIProvider(settings: settings, upstreamModel: model, reasoning: deployment.reasoning, client: client)
        case .bedrock(let settings):
            return self.handlingReasoning(BedrockProvider(settings: settings, upstreamModel: model, publicModel: publicModel, client: client), deployment)
        case .mock(let settings):
            return MockProvider(settings: settings, publicModel: publicModel)
        }
    }

    /// The provider, with the deployment's `reasoning` setting applied to its answers when it has one.
    private static func handlingReasoning(_ provider: any Provider, _ deployment: DeploymentConfig) -> any Provider {
        guard let policy = deployment.reasoning.policy else { return provider }
        return ReasoningHandlingProvider(base: provider, policy: policy)
    }
}
