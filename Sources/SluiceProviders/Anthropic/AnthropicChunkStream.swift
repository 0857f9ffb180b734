import NIOCore
import SluiceTranslation

/// An Anthropic Messages event stream as OpenAI chat completion chunks, each upstream part
/// passed through ``AnthropicStreamToOpenAI``.
///
/// It ends with `data: [DONE]` only when the upstream finished the message. After an upstream
/// `error` event, relayed as an OpenAI error event, it ends at once; a cut upstream ends it
/// without `[DONE]`. The gateway's relay reports the failure in both cases.
struct AnthropicChunkStream: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let parts: AsyncThrowingStream<ByteBuffer, any Error>
    let translator: AnthropicStreamToOpenAI

    struct AsyncIterator: AsyncIteratorProtocol {
        var upstream: UpstreamBodyStream.AsyncIterator
        var translator: AnthropicStreamToOpenAI

        /// The translation of the next upstream part; empty when the part completed no event
        /// for the client (a `ping`, half an event), so the gateway still sees the upstream alive.
        mutating func next() async throws -> ByteBuffer? {
            guard self.translator.upstreamError == nil, let part = try await self.upstream.next() else { return nil }
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
