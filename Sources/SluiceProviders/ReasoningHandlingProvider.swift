import Logging
import NIOCore
import SluiceCore
import SluiceTranslation

/// Applies a deployment's `reasoning` setting to the OpenAI-dialect answers of a provider that
/// does not apply it itself (Gemini, Bedrock): ``OpenAIReasoningNormalizer`` over each chat
/// answer, whole or streamed.
struct ReasoningHandlingProvider: Provider {
    let base: any Provider
    let policy: ReasoningPolicy

    func send(_ request: ProviderRequest) async throws -> ProviderResponse {
        let response = try await self.base.send(request)
        guard request.summary.endpoint == .chatCompletions else { return response }
        switch response.body {
        case .complete(let buffer):
            do throws(TranslationError) {
                return ProviderResponse(body: .complete(ByteBuffer(bytes: try OpenAIReasoningNormalizer.normalize(openAIChat: buffer.readableBytesView, policy: self.policy))))
            } catch {
                throw error.gatewayError
            }
        case .stream(let chunks):
            return ProviderResponse(body: .stream(ReasoningNormalizingStream(upstream: chunks, normalizer: OpenAIReasoningNormalizer(policy: self.policy))))
        }
    }

    func probe(deadline: NIODeadline) async throws {
        try await self.base.probe(deadline: deadline)
    }

    func countTokens(anthropicMessages body: ByteBuffer, requestID: String, deadline: NIODeadline, logger: Logger) async throws -> ByteBuffer {
        try await self.base.countTokens(anthropicMessages: body, requestID: requestID, deadline: deadline, logger: logger)
    }
}
