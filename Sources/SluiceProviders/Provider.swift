import Logging
import NIOCore
import SluiceCore

/// A backend that answers OpenAI-dialect requests for the models it hosts.
///
/// A provider performs the call and maps every failure (status, transport, timeout) to a
/// ``GatewayError``; it returns only successful answers. Relaying, usage accounting and model
/// name rewriting stay with the caller, so every provider gets them the same way.
///
/// ```swift
/// let response = try await provider.send(ProviderRequest(...))
/// switch response.body {
/// case .complete(let buffer): ...
/// case .stream(let chunks): for try await chunk in chunks { ... }
/// }
/// ```
public protocol Provider: Sendable {
    /// Sends `request` upstream and returns the successful answer.
    /// - Throws: ``GatewayError`` for every upstream failure; `CancellationError` when cancelled.
    func send(_ request: ProviderRequest) async throws -> ProviderResponse

    /// A cheap check that the backend answers, used to bring a deployment with an open circuit
    /// breaker back without risking client traffic.
    /// - Throws: ``GatewayError`` when the backend is not healthy.
    func probe(deadline: NIODeadline) async throws

    /// Counts the input tokens of an Anthropic Messages request (`/v1/messages/count_tokens`),
    /// for backends that can; the answer is Anthropic's `{"input_tokens": N}`.
    /// - Parameter forwardedHeaders: the client's `anthropic-version` and `anthropic-beta`.
    /// - Throws: ``GatewayError`` 400 `unsupported_endpoint` from backends that cannot.
    func countTokens(
        anthropicMessages body: ByteBuffer, forwardedHeaders: [(name: String, value: String)], requestID: String, deadline: NIODeadline, logger: Logger
    ) async throws -> ByteBuffer

    /// Whether ``send(_:)`` takes requests written in `dialect` as they are and answers in it:
    /// then a client speaking that dialect is served without translation.
    func speaksNatively(_ dialect: WireDialect) -> Bool
}

extension Provider {
    public func speaksNatively(_ dialect: WireDialect) -> Bool {
        dialect == .openAIChat
    }

    public func countTokens(
        anthropicMessages body: ByteBuffer, forwardedHeaders: [(name: String, value: String)], requestID: String, deadline: NIODeadline, logger: Logger
    ) async throws -> ByteBuffer {
        throw GatewayError.cannotCountTokens
    }
}

/// One call to a provider.
public struct ProviderRequest: Sendable {
    /// The client's body as it arrived, in ``dialect``.
    public var body: ByteBuffer
    /// What the gateway read from that body.
    public var summary: InferenceRequest
    /// The body's API shape: OpenAI's unless the provider ``Provider/speaksNatively(_:)`` another.
    public var dialect = WireDialect.openAIChat
    /// Client headers the upstream must see for a natively forwarded request (Anthropic's
    /// `anthropic-version` and `anthropic-beta`), by lowercase name.
    public var forwardedHeaders: [(name: String, value: String)] = []
    public var requestID: String
    /// The latest instant by which the whole call must finish.
    public var deadline: NIODeadline
    public var logger: Logger

    public init(body: ByteBuffer, summary: InferenceRequest, requestID: String, deadline: NIODeadline, logger: Logger) {
        self.body = body
        self.summary = summary
        self.requestID = requestID
        self.deadline = deadline
        self.logger = logger
    }
}

/// A successful upstream answer, in the dialect of the request it answers.
public struct ProviderResponse: Sendable {
    public var body: Body
    public var dialect = WireDialect.openAIChat

    /// The answer's bytes: whole for a plain response, as they arrive for a stream.
    public enum Body: Sendable {
        case complete(ByteBuffer)
        case stream(any AsyncSequence<ByteBuffer, any Error> & Sendable)
    }

    public init(body: Body, dialect: WireDialect = .openAIChat) {
        self.body = body
        self.dialect = dialect
    }
}
