import NIOCore
import SluiceTranslation

/// An OpenAI-compatible server's chunk stream with its reasoning normalised or stripped by
/// ``OpenAIReasoningNormalizer``, event by event, whatever pieces the upstream's bytes come in.
struct ReasoningNormalizingStream<Upstream: AsyncSequence & Sendable>: AsyncSequence, Sendable where Upstream.Element == ByteBuffer {
    typealias Element = ByteBuffer
    let upstream: Upstream
    let normalizer: OpenAIReasoningNormalizer

    struct AsyncIterator: AsyncIteratorProtocol {
        var upstream: Upstream.AsyncIterator
        var normalizer: OpenAIReasoningNormalizer

        /// The normalised events the next upstream part completed; empty when it completed none,
        /// so the gateway still sees the upstream alive.
        mutating func next() async throws -> ByteBuffer? {
            guard let part = try await self.upstream.next() else { return nil }
            do throws(TranslationError) {
                return ByteBuffer(bytes: try self.normalizer.normalize(part.readableBytesView))
            } catch {
                throw error.gatewayError
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(upstream: self.upstream.makeAsyncIterator(), normalizer: self.normalizer)
    }
}

