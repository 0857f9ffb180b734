/// The OpenAI API operations the gateway serves and forwards.
public enum Endpoint: String, Sendable, CaseIterable {
    case chatCompletions = "chat/completions"
    case completions = "completions"
    case embeddings = "embeddings"
    /// OpenAI's Responses API; served natively only by deployments that say they speak it, and
    /// otherwise sent as a chat completions request.
    case responses = "responses"

    /// The path below `/v1/`.
    public var path: String { self.rawValue }

    /// The member that carries the input and must be present.
    var requiredInput: String {
        switch self {
        case .chatCompletions: "messages"
        case .completions: "prompt"
        case .embeddings, .responses: "input"
        }
    }

    /// The members that limit the output, in the order they are read; the last is the one the
    /// gateway sets when it must name a limit.
    var outputLimitKeys: [String] {
        self == .responses ? ["max_output_tokens"] : ["max_completion_tokens", "max_tokens"]
    }

    /// Whether the operation can stream its answer.
    public var canStream: Bool { self != .embeddings }
}
