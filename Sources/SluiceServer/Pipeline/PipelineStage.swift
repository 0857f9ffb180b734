import NIOCore
import SluiceCore

/// One step of a request's life, with up to three hooks:
/// - ``beforeDispatch(_:)``: inspect or edit the request, refuse it, or answer it without an upstream;
/// - ``answerFilter(for:dialect:)``: a filter over the answer, event by event or whole;
/// - ``afterEnd(_:)``: runs once when the request has ended, whatever the exit.
///
/// A stage declares the hooks it uses in ``hooks``; the pipeline calls no others, so an unused
/// hook costs nothing. Stages are built per runtime from the config's profiles, so they hold
/// settings, not per-request state (that lives in the ``Exchange`` or in a filter).
///
/// ```swift
/// struct OutputCeilingStage: PipelineStage {
///     let name = "output_ceiling"
///     let hooks: StageHooks = [.beforeDispatch]
///     func beforeDispatch(_ exchange: inout Exchange) async throws(GatewayError) -> StageVerdict { ... }
/// }
/// ```
protocol PipelineStage: Sendable {
    /// The name profiles use for the stage.
    var name: String { get }
    var hooks: StageHooks { get }

    /// Runs before the request is sent upstream, in the profile's order.
    /// - Throws: ``GatewayError`` to refuse the request; later stages and the upstream are skipped.
    func beforeDispatch(_ exchange: inout Exchange) async throws(GatewayError) -> StageVerdict

    /// A filter for one request's answer, which arrives in `dialect`; nil to leave it alone.
    func answerFilter(for exchange: Exchange, dialect: WireDialect) -> (any AnswerFilter)?

    /// Runs once when the request has ended, with its final record (status, usage, cost). It must
    /// return at once: I/O goes elsewhere.
    func afterEnd(_ exchange: Exchange)
}

extension PipelineStage {
    func beforeDispatch(_ exchange: inout Exchange) async throws(GatewayError) -> StageVerdict { .proceed }
    func answerFilter(for exchange: Exchange, dialect: WireDialect) -> (any AnswerFilter)? { nil }
    func afterEnd(_ exchange: Exchange) {}
}

/// The hooks a stage uses.
struct StageHooks: OptionSet, Sendable {
    let rawValue: UInt8
    static let beforeDispatch = StageHooks(rawValue: 1 << 0)
    static let answerFilter = StageHooks(rawValue: 1 << 1)
    static let afterEnd = StageHooks(rawValue: 1 << 2)
}

/// What a stage decides before dispatch.
enum StageVerdict: Sendable {
    /// Go on to the next stage, then the upstream.
    case proceed
    /// Answer now, without an upstream (a cache hit, a payment demand). `usage` is what the
    /// ledger records for it.
    case answer(Answer, usage: Usage?)
}

/// One request's filter over its answer. Streams are filtered event by event: each call gets one
/// complete SSE event, however the upstream split its bytes.
protocol AnswerFilter: Sendable {
    /// One complete event (its lines and the blank line that ends it); returns what the client
    /// gets instead: the same bytes, others, or nothing.
    mutating func filter(event: ByteBuffer) throws(GatewayError) -> ByteBuffer
    /// A whole answer; returns what the client gets instead.
    mutating func filter(whole body: ByteBuffer) throws(GatewayError) -> ByteBuffer
    /// The stream ended: anything the filter held back.
    mutating func endOfStream() -> ByteBuffer
}

extension AnswerFilter {
    mutating func filter(event: ByteBuffer) throws(GatewayError) -> ByteBuffer { event }
    mutating func filter(whole body: ByteBuffer) throws(GatewayError) -> ByteBuffer { body }
    mutating func endOfStream() -> ByteBuffer { ByteBuffer() }
}
