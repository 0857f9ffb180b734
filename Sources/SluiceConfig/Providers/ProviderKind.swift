/// The provider families the gateway can forward to, as a deployment's `provider` names them.
public enum ProviderKind: String, Sendable, CaseIterable {
    /// Any OpenAI-compatible server: OpenAI, vLLM, SGLang, llama.cpp, TGI, Ollama, OpenRouter …
    case openai
    /// Anthropic's Messages API, with requests and answers translated from and to OpenAI's dialect.
    case anthropic
    /// Google's Gemini API, with requests and answers translated from and to OpenAI's dialect.
    case gemini
    /// Azure OpenAI: OpenAI's API under a resource's deployment paths, with an `api-key` header.
    case azure
    /// Amazon Bedrock Runtime's Converse API, requests signed with AWS Signature Version 4 and
    /// translated from and to OpenAI's dialect.
    case bedrock
    /// The built-in model for demos, tests and load tests.
    case mock

    /// Whether a deployment of this kind must name its upstream's model (`model`); the built-in
    /// model serves whatever it is asked for.
    var requiresModel: Bool { self != .mock }
}
