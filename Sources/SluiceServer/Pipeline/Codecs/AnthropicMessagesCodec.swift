import HTTPTypes
import Hummingbird
import NIOCore
import SluiceCore
import SluiceTranslation

/// Anthropic's Messages API (`POST /v1/messages`). The body stays as the client wrote it: an
/// Anthropic deployment gets it natively, any other the OpenAI translation the pipeline makes;
/// answers in OpenAI's dialect are translated back here, whole or event by event. Errors get
/// Anthropic's shape from ``AnthropicErrorMiddleware``.
struct AnthropicMessagesCodec: DialectCodec {
    var dialect: WireDialect { .anthropicMessages }
    /// Messages share OpenAI chat's records and metrics.
    var endpoint: Endpoint { .chatCompletions }

    /// The members a Messages body shares with OpenAI's chat (`model`, `messages`, `stream`,
    /// `max_tokens`), read and checked the same way.
    func summary(of body: ByteBuffer) throws(GatewayError) -> InferenceRequest {
        _ = try Self.model(of: body)
        return try InferenceRequest(endpoint: .chatCompletions, body: body)
    }

    func forwardedHeaders(of headers: HTTPFields) -> [(name: String, value: String)] {
        Self.forwardedHeaders(of: headers)
    }

    /// The client's `anthropic-version` and `anthropic-beta` headers, which a request forwarded as
    /// written carries upstream.
    static func forwardedHeaders(of headers: HTTPFields) -> [(name: String, value: String)] {
        var forwarded: [(name: String, value: String)] = []
        if let version = headers[.anthropicVersion] { forwarded.append(("anthropic-version", version)) }
        let betas = headers[values: .anthropicBeta]
        if !betas.isEmpty { forwarded.append(("anthropic-beta", betas.joined(separator: ","))) }
        return forwarded
    }

    /// The body's `model`, refused in Anthropic's words when missing.
    static func model(of body: ByteBuffer) throws(GatewayError) -> String {
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

    /// The OpenAI chat request that a deployment of another kind is sent.
    func openAIForm(of exchange: Exchange) throws(GatewayError) -> (body: ByteBuffer, summary: InferenceRequest) {
        let translated: OpenAIRequestTranslator.Translation
        do throws(TranslationError) {
            translated = try OpenAIRequestTranslator.translation(ofAnthropicMessages: exchange.body.readableBytesView, model: exchange.summary.model)
        } catch {
            throw error.gatewayError
        }
        if !translated.ignored.isEmpty {
            exchange.logger.debug("members the OpenAI form cannot carry were ignored", metadata: ["ignored": .string(translated.ignored.joined(separator: ", "))])
        }
        let body = ByteBuffer(bytes: translated.body)
        return (body, try InferenceRequest(endpoint: .chatCompletions, body: body))
    }

    func clientBody(_ body: ByteBuffer, in dialect: WireDialect, model: String) throws(GatewayError) -> ByteBuffer {
        guard dialect == .openAIChat else { return body }
        do throws(TranslationError) {
            return ByteBuffer(bytes: try OpenAIResponseTranslator.translate(openAIChat: body.readableBytesView, publicModel: model).body)
        } catch {
            throw error.gatewayError
        }
    }

    /// A translated stream's `message_start` reports the input tokens Sluice estimates from
    /// `requestBody`, since the upstream reports its own only at the end.
    func response(_ answer: Answer, headers: HTTPFields, model: String, requestBody: ByteBuffer) throws(GatewayError) -> Response {
        switch answer {
        case .whole(let body, _):
            return Self.jsonResponse(body, headers: headers)
        case .stream(let stream) where stream.dialect == .anthropicMessages:
            return ClientEventSink.response(stream, headers: headers)
        case .stream(let stream):
            let estimate = (try? AnthropicPromptEstimate.inputTokens(ofAnthropicMessages: requestBody.readableBytesView)) ?? 0
            return ClientEventSink.response(stream, headers: headers) {
                var translator = OpenAIStreamToAnthropic(publicModel: model, estimatedInputTokens: estimate)
                return { (events: ByteBuffer) throws(GatewayError) -> ByteBuffer in
                    do throws(TranslationError) {
                        return ByteBuffer(bytes: try translator.translate(events.readableBytesView))
                    } catch {
                        throw error.gatewayError
                    }
                }
            }
        }
    }
}

extension HTTPField.Name {
    static let anthropicVersion = Self("anthropic-version")!
    static let anthropicBeta = Self("anthropic-beta")!
}
