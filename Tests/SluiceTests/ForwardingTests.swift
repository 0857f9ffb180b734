import Foundation
import Testing

@Suite("Forwarding to OpenAI-compatible upstreams")
struct ForwardingTests {
    @Test func nonStreamingChatReachesTheUpstreamAsItsModelAndComesBackUnderThePublicName() async throws {
        try await withGateway { harness, client in
            let reply = try await client.chat(model: "stub-ok", extra: #","temperature":0.2,"user":"u-1""#)
            #expect(reply.status == 200)
            #expect(reply.json["model"] as? String == "stub-ok")
            #expect(reply.json["id"] as? String == "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT")
            #expect(reply.body.contains(#""service_tier":"default""#), "members the gateway does not touch pass through")

            let sent = try #require(harness.stub.received.first)
            #expect(sent.path == "/v1/chat/completions")
            #expect(sent.authorization == "Bearer sk-upstream-secret")
            #expect(sent.body.contains(#""model":"ok""#))
            #expect(sent.body.contains(#""temperature":0.2,"user":"u-1""#), "the rest of the body is forwarded byte for byte")

            let record = try #require(try await harness.waitForRecords(1).first)
            #expect(record.usage?.promptTokens == 19)
            #expect(record.usage?.completionTokens == 10)
            #expect(record.usage?.cachedPromptTokens == 4)
            #expect(abs(record.cost - (19 * 1 + 10 * 2) / 1_000_000) < 1e-12)
        }
    }

    @Test func streamingChatRelaysEveryChunkAndDropsTheUsageChunkTheClientDidNotAskFor() async throws {
        try await withGateway { harness, client in
            let reply = try await client.chat(model: "stub-ok", stream: true)
            #expect(reply.status == 200)
            #expect(reply.headers.first(name: "content-type") == "text/event-stream")
            let chunks = reply.eventObjects
            #expect(chunks.count == 5)
            #expect(chunks.allSatisfy { $0["model"] as? String == "stub-ok" })
            #expect(reply.events.last == "[DONE]")
            let text = chunks.compactMap { (($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String }.joined()
            #expect(text == "Hello there!")

            let sent = try #require(harness.stub.received.first)
            #expect(sent.body.contains(#""stream_options":{"include_usage":true}"#), "the gateway asks for usage so it can record it")
            let record = try #require(try await harness.waitForRecords(1).first)
            #expect(record.usage?.promptTokens == 9)
            #expect(record.usage?.completionTokens == 3)
            #expect(record.timeToFirstToken != nil)
        }
    }

    @Test func streamingChatKeepsTheUsageChunkWhenTheClientAskedForIt() async throws {
        try await withGateway { harness, client in
            let reply = try await client.chat(model: "stub-ok", stream: true, extra: #","stream_options":{"include_usage":true}"#)
            let usageChunk = try #require(reply.eventObjects.last)
            #expect((usageChunk["choices"] as? [Any])?.isEmpty == true)
            #expect((usageChunk["usage"] as? [String: Any])?["total_tokens"] as? Int == 12)
            #expect(harness.stub.received.first?.body.contains(#""stream_options":{"include_usage":true}"#) == true)
        }
    }

    @Test func completionsAndEmbeddingsAreForwarded() async throws {
        try await withGateway { harness, client in
            let completion = try await client.request(.POST, "/v1/completions", body: #"{"model":"stub-ok","prompt":"Say this is a test","max_tokens":7}"#)
            #expect(completion.status == 200)
            #expect(completion.json["object"] as? String == "text_completion")
            #expect(completion.json["model"] as? String == "stub-ok")

            let embedding = try await client.request(.POST, "/v1/embeddings", body: #"{"model":"stub-ok","input":"The food was delicious"}"#)
            #expect(embedding.status == 200)
            #expect(((embedding.json["data"] as? [[String: Any]])?.first?["embedding"] as? [Double])?.count == 3)
            #expect(harness.stub.received.map(\.path) == ["/v1/completions", "/v1/embeddings"])
            let records = try await harness.waitForRecords(2)
            #expect(records.map { $0.usage?.promptTokens } == [5, 8])
        }
    }

    @Test func modelsHealthAndReadinessAnswer() async throws {
        try await withGateway { _, client in
            let models = try await client.request(.GET, "/v1/models")
            #expect(models.status == 200)
            #expect(models.json["object"] as? String == "list")
            let names = (models.json["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
            #expect(names.contains("demo") && names.contains("stub-ok"))
            #expect(try await client.request(.GET, "/health", key: nil).status == 200)
            #expect(try await client.request(.GET, "/ready", key: nil).status == 200)
        }
    }

    @Test func theRequestIDIsTakenFromTheClientOrMadeAndIsOnEveryLogLineOfTheRequest() async throws {
        try await withGateway { harness, client in
            let given = try await client.chat(model: "stub-ok", headers: ["x-request-id": "client-chosen-42"])
            #expect(given.headers.first(name: "x-request-id") == "client-chosen-42")
            #expect(harness.stub.received.first?.requestID == "client-chosen-42", "the id travels upstream too")
            let made = try await client.chat(model: "stub-error-500")
            let madeID = try #require(made.headers.first(name: "x-request-id"))
            #expect(madeID.hasPrefix("req_") && madeID.count == 36)
            let next = try await client.chat(model: "stub-ok").headers.first(name: "x-request-id")
            #expect(next != madeID, "every request gets its own id")
            _ = try await harness.waitForRecords(3)
            let lines = harness.logs.all.filter { $0.contains("upstream") || $0.contains("request finished") }
            #expect(lines.contains { $0.contains("request_id=client-chosen-42") })
            let failureLines = harness.logs.all.filter { $0.contains("upstream answered with an error") || $0.contains("status=502") }
            #expect(failureLines.count >= 2)
            #expect(failureLines.allSatisfy { $0.contains("request_id=\(madeID)") })
        }
    }
}
