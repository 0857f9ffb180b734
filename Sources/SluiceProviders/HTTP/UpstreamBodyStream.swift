import NIOCore

/// The upstream's streamed body with transport errors mapped to gateway errors.
struct UpstreamBodyStream: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let parts: AsyncThrowingStream<ByteBuffer, any Error>

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<ByteBuffer, any Error>.AsyncIterator

        mutating func next() async throws -> ByteBuffer? {
            do {
                return try await self.base.next()
            } catch {
                throw UpstreamFailure.error(transport: error)
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: self.parts.makeAsyncIterator())
    }
}
