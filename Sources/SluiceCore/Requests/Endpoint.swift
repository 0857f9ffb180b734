/// The OpenAI API operations the gateway serves and forwards.
public enum Endpoint: String, Sendable, CaseIterable {
    case chatCompletions = "chat/completions"
    case completions = "completions"
    case embeddings = "embeddings"

    /// The path below `/v1/`.
    public var path: String { self.rawValue }

    /// The member that carries the input and must be present.
    var requiredInput: String {
        switch self {
        case .chatCompletions: "messages"
        case .completions: "prompt"
        case .embeddings: "input"
        }
    }

    /// Whether the operation can stream its answer.
    public var canStream: Bool { self != .embeddings }
}
