import NIOCore
import SluiceCore

/// What the pipeline answers a request with: a whole body, or a stream of server-sent events,
/// each in the dialect it was produced in. The client's codec turns it into HTTP, translating
/// when the client speaks another dialect.
enum Answer: Sendable {
    case whole(ByteBuffer, WireDialect)
    case stream(any AnswerStream)
}

/// A streamed answer, run once by the response body: it writes complete SSE events to its sink
/// and ends the request's life (ledger row and all) before it returns or throws.
protocol AnswerStream: Sendable {
    var dialect: WireDialect { get }
    func run(into sink: inout any AnswerSink) async throws
}

/// Where a streamed answer's events go: the client's connection, through its codec.
protocol AnswerSink {
    /// Writes complete events, in the stream's dialect.
    mutating func write(_ events: ByteBuffer) async throws
}
