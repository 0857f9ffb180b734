import HTTPTypes
import Hummingbird
import NIOCore
import SluiceCore

/// OpenAI's chat completions, completions and embeddings: the gateway's native dialect. Answers
/// from deployments of other kinds arrive already in it, so the codec only frames them.
struct OpenAICodec: DialectCodec {
    let endpoint: Endpoint
    var dialect: WireDialect { .openAIChat }

    func summary(of body: ByteBuffer) throws(GatewayError) -> InferenceRequest {
        try InferenceRequest(endpoint: self.endpoint, body: body)
    }

    /// The request is in OpenAI's form already.
    func openAIForm(of exchange: Exchange) throws(GatewayError) -> (body: ByteBuffer, summary: InferenceRequest) {
        (exchange.body, exchange.summary)
    }

    /// Every deployment answers OpenAI clients in OpenAI's dialect.
    func clientBody(_ body: ByteBuffer, in dialect: WireDialect, model: String) -> ByteBuffer {
        body
    }

    func response(_ answer: Answer, headers: HTTPFields, model: String, requestBody: ByteBuffer) throws(GatewayError) -> Response {
        switch answer {
        case .whole(let body, _):
            return Self.jsonResponse(body, headers: headers)
        case .stream(let stream):
            return ClientEventSink.response(stream, headers: headers)
        }
    }
}
