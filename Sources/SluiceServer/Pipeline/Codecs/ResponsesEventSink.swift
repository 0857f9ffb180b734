import HTTPTypes
import Hummingbird
import NIOCore
import SluiceCore
import SluiceTranslation

/// The client's connection as a Responses API stream's sink: the events as the deployment sent
/// them, or the translation of its chat events, written as they come, except the final one
/// (`response.completed` or `response.incomplete`), which waits until the response it carries
/// has been stored, so a client that continues the conversation at once finds it.
struct ResponsesEventSink: ClientSink {
    /// Stores the final response object.
    typealias Keep = @Sendable (ByteBuffer) async -> Void

    /// Where the stream's events come from and what becomes of its final response.
    struct Source {
        /// Nil when the deployment streams Responses events itself.
        var translator: OpenAIStreamToResponses?
        let keep: Keep
    }

    var writer: any ResponseBodyWriter
    var source: Source
    private var kept = false

    init(writer: any ResponseBodyWriter, source: Source) {
        self.writer = writer
        self.source = source
    }

    mutating func write(_ events: ByteBuffer) async throws {
        var output = events
        if var translator = self.source.translator {
            do throws(TranslationError) {
                output = ByteBuffer(bytes: try translator.translate(events.readableBytesView))
            } catch {
                throw error.gatewayError
            }
            self.source.translator = translator
        }
        guard output.readableBytes > 0 else { return }
        guard !self.kept, let (offset, response) = output.withUnsafeReadableBytes({ Self.finalEvent(in: $0) }) else {
            try await self.writer.write(output)
            return
        }
        if offset > 0 { try await self.writer.write(output.getSlice(at: output.readerIndex, length: offset)!) }
        await self.source.keep(response)
        self.kept = true
        try await self.writer.write(output.getSlice(at: output.readerIndex + offset, length: output.readableBytes - offset)!)
    }

    /// Where the final event starts in `events` (complete events), and the response it carries.
    static func finalEvent(in events: UnsafeRawBufferPointer) -> (offset: Int, response: ByteBuffer)? {
        var start = 0
        while let (end, next) = SSEFraming.nextEventEnd(in: events, from: start) {
            let event = UnsafeRawBufferPointer(rebasing: events[start..<end])
            let fields = SSEFraming.parse(event)
            if fields.name == "response.completed" || fields.name == "response.incomplete" {
                let data = fields.data(in: event)
                let response = data.withUnsafeBytes { bytes -> ByteBuffer? in
                    guard let members = try? JSONScanner.topLevelMembers(of: bytes), let response = members.member("response"), response.kind == .object else {
                        return nil
                    }
                    return ByteBuffer(bytes: bytes[response.value])
                }
                if let response { return (start, response) }
            }
            start = next
        }
        return nil
    }
}
