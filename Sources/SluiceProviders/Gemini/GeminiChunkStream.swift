import NIOCore
import SluiceTranslation

/// A Gemini `streamGenerateContent` event stream as OpenAI chat completion chunks, each upstream
/// part passed through ``GeminiStreamToOpenAI``.
///
/// When the upstream body ends, the translator's last chunks follow, ending with `data: [DONE]`
/// only when Gemini sent a finish reason. After an error event (an upstream error, or an answer
/// blocked by Gemini's filters) the sequence throws that error in the OpenAI shape, which the
/// gateway sends as the stream's last event; a cut upstream ends it without `[DONE]`, which the
/// gateway's relay reports.
struct GeminiChunkStream: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let parts: AsyncThrowingStream<ByteBuffer, any Error>
    let translator: GeminiStreamToOpenAI

    struct AsyncIterator: AsyncIteratorProtocol {
        var upstream: UpstreamBodyStream.AsyncIterator
        var translator: GeminiStreamToOpenAI
        var upstreamEnded = false

        /// The translation of the next upstream part; empty when the part completed no event
        /// for the client (half an event), so the gateway still sees the upstream alive.
        mutating func next() async throws -> ByteBuffer? {
            // The error is thrown rather than left in the stream, so the gateway ends the stream
            // with it as it is (a blocked prompt keeps its `content_filter` code).
            if let error = self.translator.upstreamError { throw error }
            guard !self.upstreamEnded else { return nil }
            guard let part = try await self.upstream.next() else {
                self.upstreamEnded = true
                let last = self.translator.finish()
                return last.isEmpty ? nil : ByteBuffer(bytes: last)
            }
            do throws(TranslationError) {
                return ByteBuffer(bytes: try self.translator.translate(part.readableBytesView))
            } catch {
                throw error.gatewayError
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(upstream: UpstreamBodyStream(parts: self.parts).makeAsyncIterator(), translator: self.translator)
    }
}
