import SluiceConfig
import SluiceCore

/// Names from the OpenTelemetry GenAI semantic conventions for what the gateway serves.
enum GenAINames {
    /// `gen_ai.operation.name` of an endpoint.
    static func operation(_ endpoint: Endpoint) -> String {
        switch endpoint {
        case .chatCompletions, .responses: "chat"
        case .completions: "text_completion"
        case .embeddings: "embeddings"
        }
    }

    /// `gen_ai.provider.name` of a deployment's provider.
    static func provider(_ kind: ProviderKind) -> String {
        switch kind {
        case .openai: "openai"
        case .anthropic: "anthropic"
        case .gemini: "gcp.gemini"
        case .azure: "azure.ai.openai"
        case .bedrock: "aws.bedrock"
        case .mock: "sluice.mock"
        }
    }
}
