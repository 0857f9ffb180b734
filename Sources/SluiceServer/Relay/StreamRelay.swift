import NIOCore
import SluiceCore
import SluiceTranslation

/// What a stream session needs of the relay for its answer's dialect: complete events out as
/// they arrive, and what the relay learnt on the way (usage, the end, an upstream error).
protocol StreamRelay {
    /// Takes the next upstream bytes and returns the complete events to send the client now.
    /// - Throws: ``GatewayError`` when the upstream sends something that is not a stream of its dialect.
    mutating func relay(_ chunk: ByteBuffer) throws -> ByteBuffer
    var usage: Usage? { get }
    /// Whether the upstream ended the stream properly.
    var isComplete: Bool { get }
    /// The failure an error event the upstream sent mid-stream reports.
    var upstreamFailure: GatewayError? { get }
    /// Events that carried output: a floor under the output tokens.
    var outputEvents: Int { get }
    /// Whether the generated text got stuck repeating itself.
    var isLooping: Bool { get }
    /// The answer so far, when the stream may continue on another deployment.
    var resumePoint: StreamResumePoint? { get }
    /// The answer's text so far as a JSON string, for the audit log; nil when not kept.
    var completion: [UInt8]? { get }
    /// Readies the relay for the stream that continues this one on another deployment.
    mutating func startContinuation()
    /// The event that tells the client its stream failed, in the stream's dialect.
    func errorEvent(_ failure: GatewayError) -> ByteBuffer
}

extension OpenAIStreamRelay: StreamRelay {
    var upstreamFailure: GatewayError? { self.upstreamError.map { .upstreamFailed("it sent an error event: \($0)") } }
    var completion: [UInt8]? { self.resumePoint.map { RequestContent.quoted(escaped: $0.text) } }
    func errorEvent(_ failure: GatewayError) -> ByteBuffer { ByteBuffer(string: failure.streamEvent) }
}

/// Anthropic streams are relayed natively to Anthropic clients only; they neither continue on
/// another deployment (a continuation is asked in OpenAI's dialect) nor feed the loop detector.
extension AnthropicStreamRelay: StreamRelay {
    var isLooping: Bool { false }
    var resumePoint: StreamResumePoint? { nil }
    var completion: [UInt8]? { self.completionText.map { RequestContent.quoted(escaped: $0) } }
    mutating func startContinuation() {}
    func errorEvent(_ failure: GatewayError) -> ByteBuffer { ByteBuffer(bytes: AnthropicErrorMapping.streamEvent(for: failure)) }
}
