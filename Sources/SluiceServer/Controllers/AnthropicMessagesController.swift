import HTTPTypes
import Hummingbird
import NIOCore
import SluiceCore
import SluiceTranslation
import Synchronization

/// `POST /v1/messages`: Anthropic's Messages API in front of every backend. The request is
/// translated to an OpenAI chat request and served like one (routing, governance, retries and
/// all); the answer, whole or streamed, is translated back. ``AnthropicErrorMiddleware`` gives
/// errors Anthropic's shape.
struct AnthropicMessagesController {
    let inference: InferenceController

    func handle(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let started = NIODeadline.now()
        var request = request
        let body = try await self.inference.collectBody(&request)
        let model = try Self.model(of: body)
        let translated: [UInt8]
        do {
            translated = try OpenAIRequestTranslator.translate(anthropicMessages: body.readableBytesView, model: model)
        } catch {
            throw error.gatewayError
        }
        let response = try await self.inference.serve(
            .chatCompletions, body: ByteBuffer(bytes: translated), headers: request.headers, context: context, started: started
        )
        return try await Self.translated(response, model: model)
    }

    /// `POST /v1/messages/count_tokens`: asked of the model's first available deployment that can
    /// count (an Anthropic one); 400 when none can.
    func countTokens(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        var request = request
        let body = try await self.inference.collectBody(&request)
        let model = try Self.model(of: body)
        guard let route = self.inference.catalog.route(model) else { throw GatewayError.unknownModel(model) }
        guard context.caller.mayUse(model) else { throw GatewayError.modelNotAllowed(model) }
        let requests = try await self.inference.limits.admitRequest(of: context.caller)
        let now = NIODeadline.now()
        var lastError = GatewayError.cannotCountTokens
        for deployment in route.deployments where deployment.health.isAvailable(at: now) {
            do {
                let answer = try await deployment.provider.countTokens(
                    anthropicMessages: body, requestID: context.requestID, deadline: now + TimeAmount(self.inference.timeouts.request),
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

    /// The request's `model`, which routing needs before translation.
    private static func model(of body: ByteBuffer) throws -> String {
        try body.withUnsafeReadableBytes { bytes throws(GatewayError) in
            let members: [JSONMember]
            do throws(JSONSyntaxError) {
                members = try JSONScanner.topLevelMembers(of: bytes)
            } catch {
                throw GatewayError.malformedJSON(error)
            }
            guard let member = members.member("model"), let model = JSONValueReader.string(member, in: bytes), !model.isEmpty else {
                throw GatewayError.invalidRequest("model: Field required", param: "model")
            }
            return model
        }
    }

    /// The OpenAI answer in Anthropic's shape: a message, or a stream of Anthropic events.
    private static func translated(_ response: Response, model: String) async throws -> Response {
        var headers = response.headers
        // The translated body has a length of its own.
        headers[.contentLength] = nil
        if headers[.contentType] == "text/event-stream" {
            let translator = Mutex(OpenAIStreamToAnthropic(publicModel: model))
            let body = response.body.map { chunk in
                let events = try translator.withLock { translator throws(TranslationError) in try translator.translate(chunk.readableBytesView) }
                return ByteBuffer(bytes: events)
            }
            return Response(status: .ok, headers: headers, body: body)
        }
        let collector = BodyCollector()
        try await response.body.write(collector)
        do {
            let message = try OpenAIResponseTranslator.translate(openAIChat: collector.buffer.readableBytesView, publicModel: model)
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: message.body)))
        } catch {
            throw error.gatewayError
        }
    }
}

/// Collects a whole response body.
private final class BodyCollector: ResponseBodyWriter, @unchecked Sendable {
    // Written by one task at a time: the body's writer, then the reader after it finished.
    var buffer = ByteBuffer()

    func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        self.buffer.writeBuffer(&buffer)
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
