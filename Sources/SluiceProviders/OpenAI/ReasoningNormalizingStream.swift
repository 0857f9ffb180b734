import NIOCore
import SluiceTranslation

/// An OpenAI-dialect chunk stream with its reasoning normalised or stripped by
/// ``OpenAIReasoningNormalizer``, event by event, whatever pieces the upstream's bytes come in.
struct ReasoningNormalizingStream: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let upstream: any AsyncSequence<ByteBuffer, any Error> & Sendable
    let normalizer: OpenAIReasoningNormalizer

    struct AsyncIterator: AsyncIteratorProtocol {
        var upstream: any AsyncIteratorProtocol<ByteBuffer, any Error>
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
