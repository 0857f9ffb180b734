import HTTPTypes
import Hummingbird
import NIOCore
import SluiceCore
import SluiceTranslation
import Synchronization

/// `POST /v1/messages/count_tokens`: Anthropic's token counting, asked of the model's first
/// available deployment that can count. `POST /v1/messages` itself is an inference endpoint
/// (``InferenceController`` with ``AnthropicMessagesCodec``).
struct AnthropicMessagesController {
    let inference: InferenceController

    /// `POST /v1/messages/count_tokens`: asked of the model's first available deployment that can
    /// count (an Anthropic one); 400 when none can.
    func countTokens(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        var request = request
        let body = try await self.inference.collectBody(&request)
        let model = try AnthropicMessagesCodec.model(of: body)
        guard let route = self.inference.catalog.route(model) else { throw GatewayError.unknownModel(model) }
        guard context.caller.mayUse(model) else { throw GatewayError.modelNotAllowed(model) }
        let requests = try await self.inference.limits.admitRequest(of: context.caller)
        let now = NIODeadline.now()
        var lastError = GatewayError.cannotCountTokens
        for deployment in route.deployments where deployment.health.isAvailable(at: now) {
            do {
                let answer = try await deployment.provider.countTokens(
                    anthropicMessages: body, forwardedHeaders: AnthropicMessagesCodec.forwardedHeaders(of: request.headers), requestID: context.requestID, deadline: now + TimeAmount(self.inference.timeouts.request),
                    logger: context.logger
                )
                var headers: HTTPFields = [.contentType: "application/json"]
                if let requests { RateLimitHeaders.add(requests, kind: "requests", to: &headers) }
                return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: answer))
            } catch let error as GatewayError {
                lastError = error
                guard error.code == GatewayError.cannotCountTokens.code || error.isRetryable else { throw error }
            }
        }
        throw lastError
    }
}
