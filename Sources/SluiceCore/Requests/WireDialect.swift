/// The API shape a request or answer is written in on the wire.
public enum WireDialect: Sendable, Equatable {
    /// OpenAI's chat completions, completions and embeddings.
    case openAIChat
    /// Anthropic's Messages API.
    case anthropicMessages
    /// OpenAI's Responses API (`/v1/responses`).
    case openAIResponses
}
