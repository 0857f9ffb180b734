import NIOCore
import SluiceCore
import Testing

@testable import SluiceServer

@Suite("Relaying OpenAI streams")
struct StreamRelayTests {
    private let chunk = #"data: {"id":"c","object":"chat.completion.chunk","model":"up-1","choices":[{"index":0,"delta":{"content":"hi"}}],"usage":null}"# + "\n\n"
    private let usage = #"data: {"id":"c","object":"chat.completion.chunk","model":"up-1","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}"# + "\n\n"

    private func relay(_ pieces: [String], publicModel: String = "up-1", forwardUsage: Bool = false) throws -> (String, OpenAIStreamRelay) {
        var relay = OpenAIStreamRelay(publicModel: publicModel, forwardUsageChunk: forwardUsage)
        var output = ""
        for piece in pieces {
            output += String(buffer: try relay.relay(ByteBuffer(string: piece)))
        }
        return (output, relay)
    }

    @Test func eventsSplitAnywhereComeOutWholeAndUntouched() throws {
        let stream = self.chunk + ": keep-alive comment\n\n" + self.chunk + "data: [DONE]\n\n"
        for split in 1..<stream.utf8.count {
            let bytes = Array(stream.utf8)
            let pieces = [String(decoding: bytes[..<split], as: UTF8.self), String(decoding: bytes[split...], as: UTF8.self)]
            let (output, relay) = try self.relay(pieces)
            #expect(output == stream)
            #expect(relay.isComplete)
        }
    }

    @Test func theUsageChunkIsDroppedUnlessAskedForAndUsageIsKept() throws {
        let (dropped, relay) = try self.relay([self.chunk + self.usage + "data: [DONE]\n\n"])
        #expect(dropped == self.chunk + "data: [DONE]\n\n")
        #expect(relay.usage?.totalTokens == 4)
        let (kept, _) = try self.relay([self.chunk + self.usage], forwardUsage: true)
        #expect(kept == self.chunk + self.usage)
    }

    @Test func theModelNameIsRewrittenWhenItDiffers() throws {
        let (output, _) = try self.relay([self.chunk], publicModel: "public")
        #expect(output == self.chunk.replacingOccurrences(of: #""model":"up-1""#, with: #""model":"public""#))
    }

    @Test func crlfFramingIsUnderstood() throws {
        let event = #"data: {"model":"up-1","choices":[]}"# + "\r\n\r\n"
        let (output, _) = try self.relay([event, "data: [DONE]\r\n", "\r\n"])
        #expect(output == event + "data: [DONE]\r\n\r\n")
    }

    @Test func anUnfinishedStreamIsNotComplete() throws {
        let (_, relay) = try self.relay([self.chunk, "data: [DO"])
        #expect(!relay.isComplete)
    }

    @Test func upstreamErrorEventsAreNotedAndLeftToTheGateway() throws {
        let error = #"data: {"error":{"message":"overloaded","type":"server_error"}}"# + "\n\n"
        let (output, relay) = try self.relay([error])
        #expect(output == "")
        #expect(relay.upstreamError == "overloaded")
    }

    @Test func nonJSONDataIsAnError() {
        #expect(throws: (any Error).self) { try self.relay(["data: <html>\n\n"]) }
    }
}

@Suite("Noticing text stuck in a loop")
struct RepetitionTests {
    @Test func aShortPatternRepeatedOverTheWindowIsALoop() {
        var detector = RepetitionDetector()
        for _ in 0..<60 { detector.append(" the end of the".utf8) }
        #expect(detector.isLooping)
    }

    @Test func ordinaryTextIsNotALoop() {
        var detector = RepetitionDetector()
        var generator = SystemRandomNumberGenerator()
        let words = ["river", "gate", "stone", "water", "light", "flow", "field", "gauge", "cloud", "morning"]
        for _ in 0..<500 { detector.append((" " + words[Int(generator.next() % 10)]).utf8) }
        #expect(!detector.isLooping)
    }

    @Test func theRelayNoticesALoopingStream() throws {
        var relay = OpenAIStreamRelay(publicModel: "m", forwardUsageChunk: false)
        for _ in 0..<80 {
            _ = try relay.relay(ByteBuffer(string: #"data: {"model":"m","choices":[{"index":0,"delta":{"content":"loop "}}]}"# + "\n\n"))
        }
        #expect(relay.isLooping)
    }
}
