import HTTPTypes
import Hummingbird
import NIOCore
import SluiceCore
import SluiceTranslation

/// Renders the errors of Anthropic-API routes in Anthropic's shape,
/// `{"type":"error","error":{"type":…,"message":…},"request_id":…}`, so the Anthropic SDKs
/// raise the right exception with the gateway's message.
struct AnthropicErrorMiddleware: RouterMiddleware {
    typealias Context = SluiceRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let gatewayError = RequestEnvelopeMiddleware.gatewayError(for: error, request: request, logger: context.logger)
            var headers: HTTPFields = [.contentType: "application/json"]
            gatewayError.addHeaders(to: &headers)
            let body = AnthropicErrorMapping.body(for: gatewayError, requestID: context.requestID)
            return Response(status: .init(code: gatewayError.status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        }
    }
}
