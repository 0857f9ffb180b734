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
    /// A whole answer written in `dialect`, in the client's dialect. The pipeline asks for it
    /// before the request ends, so an answer that cannot be carried is recorded as the failure
    /// the client gets.
    /// - Parameter model: the public model that answered.
    func clientBody(_ body: ByteBuffer, in dialect: WireDialect, model: String) throws(GatewayError) -> ByteBuffer
    /// The answer as the client gets it (a whole answer is already in its dialect).
    /// - Parameter model: the public model that answered.
    func response(_ answer: Answer, headers: HTTPFields, model: String) throws(GatewayError) -> Response
}

/// The client's connection as a stream's sink, translating each event from the stream's dialect
/// when the client speaks another.
struct ClientEventSink: AnswerSink {
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
        var headers = headers
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            var sink: any AnswerSink = ClientEventSink(writer: writer, translate: translator?())
            try await stream.run(into: &sink)
            guard var client = sink as? ClientEventSink else { return }
            // The request has ended; a client gone by now has nothing left to receive.
            try? await client.writer.finish(nil)
        })
    }
}
