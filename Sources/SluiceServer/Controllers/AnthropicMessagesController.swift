import HTTPTypes
import Hummingbird
import NIOCore
import SluiceCore
import SluiceTranslation
import Synchronization

/// `POST /v1/messages/count_tokens`: Anthropic's token counting, asked of the model's first
/// available deployment that can count, else Sluice's estimate. `POST /v1/messages` itself is
/// an inference endpoint (``InferenceController`` with ``AnthropicMessagesCodec``).
struct AnthropicMessagesController {
    let inference: InferenceController

    /// `POST /v1/messages/count_tokens`: asked of the model's first available deployment that can
    /// count (an Anthropic one); when none can, answered with ``AnthropicPromptEstimate``'s
    /// estimate in the same shape, `{"input_tokens": N}`.
    func countTokens(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        var request = request
        let body = try await self.inference.collectBody(&request)
        let model = try AnthropicMessagesCodec.model(of: body)
        guard let route = self.inference.catalog.route(model) else { throw GatewayError.unknownModel(model) }
        guard context.caller.mayUse(model) else { throw GatewayError.modelNotAllowed(model) }
        let requests = try await self.inference.limits.admitRequest(of: context.caller)
        let now = NIODeadline.now()
        var headers: HTTPFields = [.contentType: "application/json"]
        if let requests { RateLimitHeaders.add(requests, kind: "requests", to: &headers) }
        var lastError = GatewayError.cannotCountTokens
        for deployment in route.deployments where deployment.health.isAvailable(at: now) {
            do {
                let answer = try await deployment.provider.countTokens(
                    anthropicMessages: body, forwardedHeaders: AnthropicMessagesCodec.forwardedHeaders(of: request.headers), requestID: context.requestID, deadline: now + TimeAmount(self.inference.timeouts.request),
                    logger: context.logger
                )
                return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: answer))
            } catch let error as GatewayError {
                lastError = error
                guard error.code == GatewayError.cannotCountTokens.code || error.isRetryable else { throw error }
            }
        }
        guard lastError.code == GatewayError.cannotCountTokens.code else { throw lastError }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: try Self.estimate(body)))
    }

    /// `{"input_tokens": N}` with Sluice's estimate for `body`.
    static func estimate(_ body: ByteBuffer) throws(GatewayError) -> ByteBuffer {
        do throws(TranslationError) {
            let tokens = try AnthropicPromptEstimate.inputTokens(ofAnthropicMessages: body.readableBytesView)
            return ByteBuffer(string: #"{"input_tokens":\#(tokens)}"#)
        } catch {
            throw error.gatewayError
        }
    }
}
