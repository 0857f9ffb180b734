import SluiceCore

/// The request target of every endpoint on a server that speaks the OpenAI API, such as
/// `/v1/chat/completions`, worked out once so that every endpoint has one by construction.
struct EndpointPaths: Sendable {
    private let chatCompletions: String
    private let completions: String
    private let embeddings: String
    private let responses: String

    init(_ target: (Endpoint) -> String) {
        self.chatCompletions = target(.chatCompletions)
        self.completions = target(.completions)
        self.embeddings = target(.embeddings)
        self.responses = target(.responses)
    }

    subscript(_ endpoint: Endpoint) -> String {
        switch endpoint {
        case .chatCompletions: self.chatCompletions
        case .completions: self.completions
        case .embeddings: self.embeddings
        case .responses: self.responses
        }
    }
}
