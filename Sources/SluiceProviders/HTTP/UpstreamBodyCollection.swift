import NIOCore

extension AsyncThrowingStream<ByteBuffer, any Error> {
    /// The parts joined, reading no further once `limit` bytes arrived; for error bodies, which
    /// come streamed when the request asked for a stream.
    func collect(upTo limit: Int) async throws -> ByteBuffer {
        var collected = ByteBuffer()
        for try await var part in self where collected.readableBytes < limit {
            collected.writeBuffer(&part)
        }
        return collected
    }
}
