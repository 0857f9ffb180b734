import NIOCore
import SluiceCore

/// Anthropic Messages requests forwarded as they are: only `model` becomes the upstream's name,
/// the client's `anthropic-version` and `anthropic-beta` headers travel with the request, and
/// the answer, whole or streamed, comes back in Anthropic's own shape for the gateway to relay.
extension AnthropicProvider {
    public func speaksNatively(_ dialect: WireDialect) -> Bool {
        dialect == .openAIChat || dialect == .anthropicMessages
    }

    func sendNative(_ request: ProviderRequest) async throws -> ProviderResponse {
        let response = try await self.post(
            try self.withUpstreamModel(request.body, model: request.summary.members.member("model")), to: self.messagesPath,
            forwarding: request.forwardedHeaders, requestID: request.requestID, deadline: request.deadline, streaming: request.summary.stream
        )
        switch response.body {
        case .complete(let buffer):
            guard (200..<300).contains(response.status) else { throw self.failure(response, body: buffer, logger: request.logger) }
            return ProviderResponse(body: .complete(buffer), dialect: .anthropicMessages)
        case .stream(let parts):
            guard (200..<300).contains(response.status) else {
                throw self.failure(response, body: try? await parts.collect(upTo: Self.maxErrorBodyBytes), logger: request.logger)
            }
            return ProviderResponse(body: .stream(parts), dialect: .anthropicMessages)
        }
    }

    /// The client headers a natively forwarded request carries: the API version it was written
    /// for and the beta features it uses (prompt-caching TTLs, interleaved thinking, …).
    static let forwardedHeaderNames: Set<String> = ["anthropic-version", "anthropic-beta"]
}
