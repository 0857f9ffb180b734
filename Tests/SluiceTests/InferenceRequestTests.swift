import Testing

@testable import SluiceCore

@Suite("Reading and editing requests")
struct InferenceRequestTests {
    private func edited(_ text: String, upstreamModel: String = "up") throws -> String {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBytes { raw in
            let request = try InferenceRequest(endpoint: .chatCompletions, bytes: raw)
            return String(decoding: BodyEdit.apply(request.upstreamEdits(upstreamModel: upstreamModel, in: raw), to: raw), as: UTF8.self)
        }
    }

    @Test func theModelIsReplacedAndNothingElseChanges() throws {
        #expect(try self.edited(#"{"model":"pub","messages":[],"temperature":0.7}"#) == #"{"model":"up","messages":[],"temperature":0.7}"#)
        #expect(try self.edited(#"{"model":"same","messages":[]}"#, upstreamModel: "same") == #"{"model":"same","messages":[]}"#)
    }

    @Test func streamsAskForUsageInEveryShapeOfStreamOptions() throws {
        #expect(try self.edited(#"{"model":"m","messages":[],"stream":true}"#, upstreamModel: "m")
            == #"{"model":"m","messages":[],"stream":true,"stream_options":{"include_usage":true}}"#)
        #expect(try self.edited(#"{"model":"m","messages":[],"stream":true,"stream_options":{}}"#, upstreamModel: "m")
            == #"{"model":"m","messages":[],"stream":true,"stream_options":{"include_usage":true}}"#)
        #expect(try self.edited(#"{"model":"m","stream":true,"stream_options":{"x":1},"messages":[]}"#, upstreamModel: "m")
            == #"{"model":"m","stream":true,"stream_options":{"include_usage":true,"x":1},"messages":[]}"#)
        #expect(try self.edited(#"{"model":"m","stream":true,"stream_options":{"include_usage":false},"messages":[]}"#, upstreamModel: "m")
            == #"{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[]}"#)
        #expect(try self.edited(#"{"model":"m","stream":true,"stream_options":null,"messages":[]}"#, upstreamModel: "m")
            == #"{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[]}"#)
    }

    @Test func theSummaryReadsStreamUsageWishAndOutputLimit() throws {
        let text = #"{"model":"m","messages":[],"stream":true,"stream_options":{"include_usage":true},"max_completion_tokens":64}"#
        let request = try Array(text.utf8).withUnsafeBytes { try InferenceRequest(endpoint: .chatCompletions, bytes: $0) }
        #expect(request.stream && request.clientWantsStreamUsage)
        #expect(request.maxOutputTokens == 64)
    }

    @Test func embeddingsCannotStream() {
        let text = #"{"model":"m","input":"x","stream":true}"#
        #expect(throws: GatewayError.self) { try Array(text.utf8).withUnsafeBytes { try InferenceRequest(endpoint: .embeddings, bytes: $0) } }
    }
}
