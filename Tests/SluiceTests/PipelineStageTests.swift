import Foundation
import HTTPTypes
import NIOCore
import SluiceCore
@testable import SluiceServer
import Synchronization
import Testing

/// Stages as the pipeline runs them, over HTTP: one that answers before dispatch, one that edits
/// the body (the summary and routing follow the edit), and one that filters a stream the
/// upstream splits at every byte.
@Suite("Pipeline stages")
struct PipelineStageTests {
    @Test func aStageCanAnswerBeforeDispatchInEitherDialect() async throws {
        try await withGateway(extraStages: [CannedAnswerStage()]) { harness, client in
            let whole = try await client.chat(model: "stub-ok", headers: ["x-canned": "yes"])
            #expect(whole.status == 200)
            #expect(whole.body == CannedAnswerStage.answer)
            let streamed = try await client.chat(model: "stub-ok", stream: true, headers: ["x-canned": "yes"])
            #expect(streamed.events == CannedAnswerStage.events.map { String($0.dropFirst(6).dropLast(2)) })
            // An Anthropic client gets the stage's OpenAI answer in its own dialect.
            let message = try await client.request(
                .POST, "/v1/messages", body: #"{"model":"stub-ok","max_tokens":16,"messages":[{"role":"user","content":"Hi"}]}"#,
                headers: ["x-canned": "yes"]
            )
            #expect(message.status == 200)
            #expect(message.json["type"] as? String == "message")
            #expect(((message.json["content"] as? [[String: Any]])?.first?["text"] as? String) == "From the stage.")
            #expect(harness.stub.received.isEmpty, "no request may reach the upstream")
            let records = try await harness.waitForRecords(3)
            #expect(records.count == 3)
            for record in records {
                #expect(record.status == 200 && record.deployment == nil)
                #expect(record.usage == Usage(promptTokens: 4, completionTokens: 3))
            }
        }
    }

    @Test func aStageThatEditsTheBodyIsRoutedAndMeteredByTheEdit() async throws {
        try await withGateway(extraStages: [RedirectStage()]) { harness, client in
            let reply = try await client.chat(model: "stub-ok", extra: #","max_tokens":50"#, headers: ["x-redirect": "stub-metered"])
            #expect(reply.status == 200)
            let received = try #require(harness.stub.received.last)
            let sent = try #require(try JSONSerialization.jsonObject(with: Data(received.body.utf8)) as? [String: Any])
            // The edited model chose the route; the edited limit reached the upstream and bounds its answer.
            #expect(sent["model"] as? String == "metered")
            #expect(sent["max_tokens"] as? Int == RedirectStage.maxTokens)
            #expect((reply.json["usage"] as? [String: Any])?["completion_tokens"] as? Int == RedirectStage.maxTokens)
            #expect(reply.json["model"] as? String == "stub-metered")
            let record = try #require(try await harness.waitForRecords(1).first)
            #expect(record.model == "stub-metered" && record.servedModel == "stub-metered")
            #expect(record.usage?.completionTokens == RedirectStage.maxTokens)
        }
    }

    @Test func aFilterSeesWholeEventsOfAStreamSplitAtEveryByte() async throws {
        let upstream = try await RecordingStubServer.start { exchange in
            let events = StubShapes.chatStream(model: "bytes", includeUsage: true).joined()
            return StubReply.stream(events, pieceSize: 1, exchange: exchange)
        }
        let filter = ShoutingStage()
        try await withGateway(settings: GatewayHarness.governanceSettings(), extraStages: [filter]) { harness, client in
            let entry = "  - { name: byte-split, deployments: [{ provider: openai, base_url: \"http://127.0.0.1:\(upstream.port)/v1\", model: bytes }] }\n"
            try await harness.addModels(entry, client: client)
            let reply = try await client.chat(model: "byte-split", stream: true)
            #expect(reply.status == 200)
            let text = reply.eventObjects.compactMap { (($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String }.joined()
            #expect(text == "HELLO there!")
            #expect(reply.events.last == "[DONE]")
            #expect(filter.log.withLock { $0.malformed }.isEmpty, "every event a filter gets is one whole event")
            #expect(filter.log.withLock { $0.events } >= 6)
            let whole = try await client.chat(model: "stub-ok")
            #expect(((whole.json["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String == "HELLO! How can I assist you today?")
        }
        await upstream.stop()
    }
}

/// Answers requests carrying `x-canned: yes` without an upstream.
private struct CannedAnswerStage: PipelineStage {
    let name = "canned"
    let hooks: StageHooks = [.beforeDispatch]

    static let answer = #"{"id":"chatcmpl-stage","object":"chat.completion","created":1,"model":"stub-ok","choices":[{"index":0,"message":{"role":"assistant","content":"From the stage."},"finish_reason":"stop"}],"usage":{"prompt_tokens":4,"completion_tokens":3,"total_tokens":7}}"#
    static let events = [
        #"data: {"id":"chatcmpl-stage","object":"chat.completion.chunk","created":1,"model":"stub-ok","choices":[{"index":0,"delta":{"role":"assistant","content":"From the stage."},"finish_reason":null}]}"# + "\n\n",
        #"data: {"id":"chatcmpl-stage","object":"chat.completion.chunk","created":1,"model":"stub-ok","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"# + "\n\n",
        "data: [DONE]\n\n",
    ]

    func beforeDispatch(_ exchange: inout Exchange) async throws(GatewayError) -> StageVerdict {
        guard exchange.headers[HTTPField.Name("x-canned")!] == "yes" else { return .proceed }
        let usage = Usage(promptTokens: 4, completionTokens: 3)
        guard exchange.summary.stream else { return .answer(.whole(ByteBuffer(string: Self.answer), .openAIChat), usage: usage) }
        return .answer(.stream(ReplayedAnswerStream(dialect: .openAIChat, events: Self.events.map { ByteBuffer(string: $0) })), usage: usage)
    }
}

/// Sends a request to the model named in `x-redirect`, with a smaller output limit.
private struct RedirectStage: PipelineStage {
    let name = "redirect"
    let hooks: StageHooks = [.beforeDispatch]
    static let maxTokens = 5

    func beforeDispatch(_ exchange: inout Exchange) async throws(GatewayError) -> StageVerdict {
        guard let target = exchange.headers[HTTPField.Name("x-redirect")!] else { return .proceed }
        let edited = exchange.body.withUnsafeReadableBytes { bytes in
            let members = exchange.summary.members
            let edits = [
                BodyEdit(range: members.member("model")!.value, replacement: JSONString.quoted(target)),
                BodyEdit(range: members.member("max_tokens")!.value, replacement: String(Self.maxTokens)),
            ].sorted { $0.range.lowerBound < $1.range.lowerBound }
            return BodyEdit.apply(edits, to: bytes)
        }
        try exchange.replaceBody(ByteBuffer(bytes: edited))
        return .proceed
    }
}

/// Upper-cases "Hello" in every answer, and notes any event it is given that is not one whole event.
private final class ShoutingStage: PipelineStage {
    let name = "shouting"
    let hooks: StageHooks = [.answerFilter]
    let log = Mutex<(events: Int, malformed: [String])>((0, []))

    func answerFilter(for exchange: Exchange, dialect: WireDialect) -> (any AnswerFilter)? {
        Filter(stage: self)
    }

    struct Filter: AnswerFilter {
        let stage: ShoutingStage

        mutating func filter(event: ByteBuffer) throws(GatewayError) -> ByteBuffer {
            let text = String(buffer: event)
            let isOneEvent = text.hasPrefix("data: ") && text.hasSuffix("\n\n") && !text.dropLast(2).contains("\n\n")
            self.stage.log.withLock { log in
                log.events += 1
                if !isOneEvent { log.malformed.append(text) }
            }
            return ByteBuffer(string: text.replacingOccurrences(of: "Hello", with: "HELLO"))
        }

        mutating func filter(whole body: ByteBuffer) throws(GatewayError) -> ByteBuffer {
            ByteBuffer(string: String(buffer: body).replacingOccurrences(of: "Hello", with: "HELLO"))
        }
    }
}
