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
            self.handlingReasoning(GeminiProvider(deployment: deployment, publicModel: publicModel, client: client), deployment)
        case .azure:
            AzureOpenAIProvider(deployment: deployment, client: client)
        case .bedrock:
            self.handlingReasoning(BedrockProvider(deployment: deployment, publicModel: publicModel, client: client), deployment)
        case .mock:
            MockProvider(settings: deployment.mock ?? MockSettings(), publicModel: publicModel)
        }
    }

    /// The provider, with the deployment's `reasoning` setting applied to its answers when it has one.
    private static func handlingReasoning(_ provider: any Provider, _ deployment: DeploymentConfig) -> any Provider {
        guard let policy = deployment.reasoning.policy else { return provider }
        return ReasoningHandlingProvider(base: provider, policy: policy)
    }
}
