import HTTPTypes
import Hummingbird
import NIOCore
import SluiceCore

/// A client dialect at the edge: reads a request body into what the pipeline needs, and turns
/// the pipeline's answer back into an HTTP response in the dialect. Nothing past the codec knows
/// about HTTP framing.
protocol DialectCodec: Sendable {
    var dialect: WireDialect { get }
    /// The endpoint the request counts under in records and metrics.
    var endpoint: Endpoint { get }
    /// Reads and validates the body.
    /// - Throws: ``GatewayError`` for a body that is not a valid request in the dialect.
    func summary(of body: ByteBuffer) throws(GatewayError) -> InferenceRequest
    /// What the dialect does to a request before the stages see it (a Responses request brings in
    /// the conversation its `previous_response_id` continues). A failure here ends the request
    /// like any other.
    func prepare(_ exchange: inout Exchange) async throws
    /// The request as the OpenAI chat request that a deployment not speaking the dialect is sent.
    func openAIForm(of exchange: Exchange) throws(GatewayError) -> (body: ByteBuffer, summary: InferenceRequest)
    /// The client's headers that a request forwarded in its own dialect carries upstream.
    func forwardedHeaders(of headers: HTTPFields) -> [(name: String, value: String)]
    /// A whole answer written in `dialect`, in the client's dialect. The pipeline asks for it
    /// before the request ends, so an answer that cannot be carried is recorded as the failure
    /// the client gets.
    /// - Parameter model: the public model that answered.
    func clientBody(_ body: ByteBuffer, in dialect: WireDialect, model: String) async throws -> ByteBuffer
    /// The answer as the client gets it (a whole answer is already in its dialect).
    /// - Parameters:
    ///   - model: the public model that answered.
    ///   - requestBody: the body the client sent.
    func response(_ answer: Answer, headers: HTTPFields, model: String, requestBody: ByteBuffer) throws(GatewayError) -> Response
}

extension DialectCodec {
    func prepare(_ exchange: inout Exchange) async throws {}
    func forwardedHeaders(of headers: HTTPFields) -> [(name: String, value: String)] { [] }

    /// A whole answer, already in the client's dialect, as a JSON response.
    static func jsonResponse(_ body: ByteBuffer, headers: HTTPFields) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: body))
    }
}

/// A stream's sink on the client's connection, which the response body finishes once the stream ran.
protocol ClientSink: AnswerSink {
    var writer: any ResponseBodyWriter { get set }
}

extension ClientSink {
    /// A server-sent event response whose body runs `stream` into the sink `makeSink` makes of
    /// the client's connection.
    static func eventStream(_ stream: any AnswerStream, headers: HTTPFields, sink makeSink: @escaping @Sendable (any ResponseBodyWriter) -> Self) -> Response {
        var headers = headers
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            var sink: any AnswerSink = makeSink(writer)
            try await stream.run(into: &sink)
            guard let client = sink as? any ClientSink else { return }
            // The request has ended; a client gone by now has nothing left to receive.
            try? await client.writer.finish(nil)
        })
    }
}

/// The client's connection as a stream's sink, translating each event from the stream's dialect
/// when the client speaks another.
struct ClientEventSink: ClientSink {
    var writer: any ResponseBodyWriter
    var translate: ((ByteBuffer) throws(GatewayError) -> ByteBuffer)?

    mutating func write(_ events: ByteBuffer) async throws {
        let output = try self.translate?(events) ?? events
        if output.readableBytes > 0 { try await self.writer.write(output) }
    }

    /// A server-sent event response whose body runs `stream`.
    /// - Parameter translator: makes the per-response translation, when the client needs one.
    static func response(
        _ stream: any AnswerStream, headers: HTTPFields,
        translator: (@Sendable () -> (ByteBuffer) throws(GatewayError) -> ByteBuffer)? = nil
    ) -> Response {
        Self.eventStream(stream, headers: headers) { ClientEventSink(writer: $0, translate: translator?()) }
    }
}
