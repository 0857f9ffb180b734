import Foundation
import NIOHTTP1
import Testing

@Suite("Anthropic's Messages API in front of OpenAI-compatible backends")
struct AnthropicMessagesTests {
    private func messages(_ client: TestClient, model: String, stream: Bool = false, key: String = "sk-test") async throws -> TestClient.Reply {
        let body = #"{"model":"\#(model)","max_tokens":64,"system":"Be brief.","messages":[{"role":"user","content":"Say hello"}],"stream":\#(stream)}"#
        return try await client.request(.POST, "/v1/messages", body: body, key: nil, headers: ["x-api-key": key, "anthropic-version": "2023-06-01"])
    }

    @Test func aMessageComesBackInAnthropicsShape() async throws {
        try await withGateway { harness, client in
            let reply = try await self.messages(client, model: "stub-ok")
            #expect(reply.status == 200)
            let message = try #require(try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any])
            #expect(message["type"] as? String == "message")
            #expect(message["model"] as? String == "stub-ok")
            #expect(message["stop_reason"] as? String == "end_turn")
            let content = try #require(message["content"] as? [[String: Any]])
            #expect(content.first?["text"] as? String == "Hello! How can I assist you today?")
            #expect((message["usage"] as? [String: Any])?["output_tokens"] as? Int == 10)

            let received = try #require(harness.stub.received.last)
            let sent = try #require(try JSONSerialization.jsonObject(with: Data(received.body.utf8)) as? [String: Any])
            let sentMessages = try #require(sent["messages"] as? [[String: Any]])
            #expect(sentMessages.first?["role"] as? String == "system", "the system prompt became a system message")
            #expect(sent["max_tokens"] as? Int == 64 || sent["max_completion_tokens"] as? Int == 64)
            #expect(try await harness.waitForRecords(1).first?.usage?.completionTokens == 10)
        }
    }

    @Test func aStreamComesBackAsAnthropicEvents() async throws {
        try await withGateway { _, client in
            let reply = try await self.messages(client, model: "stub-ok", stream: true)
            #expect(reply.status == 200)
            let names = reply.body.split(separator: "\n").filter { $0.hasPrefix("event: ") }.map { String($0.dropFirst(7)) }
            #expect(names.first == "message_start")
            #expect(names.last == "message_stop")
            #expect(names.contains("content_block_delta"))
            #expect(names.contains("message_delta"))
            #expect(!reply.body.contains("[DONE]"))
            let data = reply.body.split(separator: "\n").filter { $0.hasPrefix("data: ") }
                .compactMap { try? JSONSerialization.jsonObject(with: Data($0.dropFirst(6).utf8)) as? [String: Any] }
            let text = data.compactMap { ($0["delta"] as? [String: Any])?["text"] as? String }.joined()
            #expect(text == "Hello there!")
        }
    }

    @Test func errorsTakeAnthropicsShape() async throws {
        try await withGateway { _, client in
            let unknown = try await self.messages(client, model: "no-such-model")
            #expect(unknown.status == 404)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(unknown.body.utf8)) as? [String: Any])
            #expect(body["type"] as? String == "error")
            #expect((body["error"] as? [String: Any])?["type"] as? String == "not_found_error")
            let unauthorised = try await self.messages(client, model: "stub-ok", key: "sk-wrong")
            #expect(unauthorised.status == 401)
            #expect(unauthorised.body.contains("authentication_error"))
            let cut = try await self.messages(client, model: "stub-cut", stream: true)
            #expect(cut.body.contains("event: error"))
            #expect(!cut.body.contains("message_stop"))
        }
    }
}

@Suite("Counting tokens through /v1/messages/count_tokens")
struct CountTokensTests {
    private func count(_ client: TestClient, model: String) async throws -> TestClient.Reply {
        let body = #"{"model":"\#(model)","messages":[{"role":"user","content":"Say hello"}]}"#
        return try await client.request(.POST, "/v1/messages/count_tokens", body: body, key: nil, headers: ["x-api-key": "sk-test"])
    }

    @Test func anAnthropicDeploymentCountsWithItsOwnModelName() async throws {
        try await withGateway { harness, client in
            let reply = try await self.count(client, model: "anthropic-ok")
            #expect(reply.status == 200)
            #expect(reply.body == #"{"input_tokens":14}"#)
            let received = try #require(harness.anthropicStub.received.last)
            #expect(received.path == "/v1/messages/count_tokens")
            #expect(received.json["model"] as? String == "ok")
            #expect(received.apiKey == "sk-anthropic-secret")
        }
    }

    @Test func otherBackendsAnswerWithSluicesEstimate() async throws {
        try await withGateway { harness, client in
            let reply = try await self.count(client, model: "stub-ok")
            #expect(reply.status == 200)
            #expect((reply.json["input_tokens"] as? Int ?? 0) > 0, "\(reply.body)")
            #expect(harness.stub.received.isEmpty)
            #expect(try await self.count(client, model: "nope").status == 404)
        }
    }

    @Test func aBedrockStopSequenceReachesAnthropicClientsAsStopSequence() async throws {
        try await withGateway { _, client in
            let headers = ["x-api-key": "sk-test", "anthropic-version": "2023-06-01"]
            let body = #"{"model":"bedrock-ok","max_tokens":64,"stop_sequences":[" How"," there"],"messages":[{"role":"user","content":"Say hello"}]}"#
            let reply = try await client.request(.POST, "/v1/messages", body: body, key: nil, headers: headers)
            #expect(reply.status == 200)
            #expect(reply.json["stop_reason"] as? String == "stop_sequence")

            let streamed = try await client.request(.POST, "/v1/messages", body: body.replacing(#""max_tokens":64"#, with: #""max_tokens":64,"stream":true"#), key: nil, headers: headers)
            let delta = streamed.body.split(separator: "\n").filter { $0.hasPrefix("data: ") }
                .compactMap { (try? JSONSerialization.jsonObject(with: Data($0.dropFirst(6).utf8))) as? [String: Any] }
                .first { $0["type"] as? String == "message_delta" }?["delta"] as? [String: Any]
            #expect(delta?["stop_reason"] as? String == "stop_sequence")
        }
    }

    @Test func anAnthropicClientsThinkingIsNamedAsItWroteIt() async throws {
        try await withGateway { _, client in
            let headers = ["x-api-key": "sk-test", "anthropic-version": "2023-06-01"]
            let body = #"{"model":"bedrock-ok","max_tokens":4096,"thinking":{"type":"enabled","budget_tokens":2048},"messages":[{"role":"user","content":"Say hello"}]}"#
            let reply = try await client.request(.POST, "/v1/messages", body: body, key: nil, headers: headers)
            #expect(reply.status == 400)
            let message = try #require((reply.json["error"] as? [String: Any])?["message"] as? String)
            #expect(message.contains("'thinking'"), "\(message)")
            #expect(!message.contains("reasoning_effort"))
        }
    }
}
