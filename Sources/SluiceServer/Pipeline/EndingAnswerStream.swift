import NIOCore
import SluiceCore

/// A stream a stage answered with before dispatch (a cache hit replayed, say): written to the
/// client, then the request ends; one whose writing fails ends as a client that left.
struct EndingAnswerStream: AnswerStream {
    let base: any AnswerStream
    let exchange: Exchange
    let end: ExchangeEnd

    var dialect: WireDialect { self.base.dialect }

    func run(into sink: inout any AnswerSink) async throws {
        do {
            try await self.base.run(into: &sink)
        } catch {
            self.end.finish(self.exchange, failure: error as? GatewayError ?? .clientClosed)
            throw error
        }
        self.end.finish(self.exchange, firstToken: nil)
    }
}

/// A stream of events known in advance, written as they are.
struct ReplayedAnswerStream: AnswerStream {
    let dialect: WireDialect
    let events: [ByteBuffer]

    func run(into sink: inout any AnswerSink) async throws {
        for event in self.events { try await sink.write(event) }
    }
}
