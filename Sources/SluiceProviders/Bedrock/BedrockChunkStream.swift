import NIOCore
import SluiceCore
import SluiceTranslation

/// A ConverseStream event stream as OpenAI chat completion chunks: the upstream's bytes framed by
/// ``EventStreamDecoder``, each event passed through ``BedrockStreamToOpenAI``.
///
/// It ends with `data: [DONE]` only when the upstream finished the message. After an exception
/// frame, relayed as an OpenAI error event, it ends at once; a cut upstream or a frame that
/// fails its checksum ends it without `[DONE]`. The gateway's relay reports the failure.
struct BedrockChunkStream: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let parts: AsyncThrowingStream<ByteBuffer, any Error>
    let translator: BedrockStreamToOpenAI

    struct AsyncIterator: AsyncIteratorProtocol {
        var upstream: UpstreamBodyStream.AsyncIterator
        var decoder = EventStreamDecoder()
        var translator: BedrockStreamToOpenAI
        var ended = false

        /// The translation of the next upstream part; empty when the part completed no event for
        /// the client (half a frame), so the gateway still sees the upstream alive.
        mutating func next() async throws -> ByteBuffer? {
            guard !self.ended, self.translator.upstreamError == nil, !self.translator.isComplete else { return nil }
            guard let part = try await self.upstream.next() else {
                self.ended = true
                let tail = self.translator.upstreamEnded()
                return tail.isEmpty ? nil : ByteBuffer(bytes: tail)
            }
            let messages: [EventStreamMessage]
            do throws(EventStreamError) {
                messages = try self.decoder.messages(appending: part.readableBytesView)
            } catch {
                throw GatewayError.upstreamFailed("its event stream could not be read (\(error))")
            }
            var output: [UInt8] = []
            for message in messages {
                if message.messageType == "event", let type = message.eventType {
                    do throws(TranslationError) {
                        output += try self.translator.translate(eventType: type, payload: message.payload)
                    } catch {
                        throw error.gatewayError
                    }
                } else if message.messageType == "exception" || message.messageType == "error" {
                    output += self.translator.translate(
                        exceptionType: message.exceptionType ?? message.headers[":error-code"].flatMap(Self.string) ?? "",
                        payload: message.payload)
                }
            }
            return ByteBuffer(bytes: output)
        }

        private static func string(_ value: EventStreamMessage.HeaderValue) -> String? {
            if case .string(let text) = value { return text }
            return nil
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(upstream: UpstreamBodyStream(parts: self.parts).makeAsyncIterator(), translator: self.translator)
    }
}
