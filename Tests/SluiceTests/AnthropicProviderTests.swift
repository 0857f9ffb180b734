import Foundation
import Testing

@Suite("Anthropic deployments behind the OpenAI API, over HTTP")
struct AnthropicProviderTests {
    private func deltas(_ reply: TestClient.Reply) -> [[String: Any]] {
        reply.eventObjects.compactMap { ($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any] }
    }

    @Test func aChatRequestReachesTheMessagesAPIAndTheAnswerComesBackInOpenAIsShape() async throws {
        try await withGateway { harness, client in
            let body = #"{"model":"anthropic-ok","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Say hello"}],"temperature":0.5,"stop":"END"}"#
            let reply = try await client.request(.POST, "/v1/chat/completions", body: body)
            #expect(reply.status == 200)
            #expect(reply.json["object"] as? String == "chat.completion")
            #expect(reply.json["model"] as? String == "anthropic-ok")
            #expect(reply.json["id"] as? String == "msg_01XFDUDYJgAACzvnptvVoYEL")
            let choice = try #require((reply.json["choices"] as? [[String: Any]])?.first)
            #expect((choice["message"] as? [String: Any])?["content"] as? String == "Hello! How can I help?")
            #expect(choice["finish_reason"] as? String == "stop")
            #expect((reply.json["usage"] as? [String: Any])?["prompt_tokens"] as? Int == 12)

            let sent = try #require(harness.anthropicStub.received.first)
            #expect(sent.path == "/v1/messages")
            #expect(sent.apiKey == "sk-anthropic-secret")
            #expect(sent.authorization == nil, "the key goes in x-api-key only")
            #expect(sent.version == "2023-06-01")
            #expect(sent.contentType == "application/json")
            let messages = sent.json
            #expect(messages["model"] as? String == "ok")
            #expect(messages["max_tokens"] as? Int == 1024, "the deployment's max_output_tokens when the client sets none")
            #expect(messages["temperature"] as? Double == 0.5)
            #expect(messages["stop_sequences"] as? [String] == ["END"])
            #expect((messages["system"] as? [[String: Any]])?.first?["text"] as? String == "Be brief.")
            let turns = try #require(messages["messages"] as? [[String: Any]])
            #expect(turns.count == 1)
            #expect(turns.first?["role"] as? String == "user")
            #expect(((turns.first?["content"] as? [[String: Any]])?.first)?["text"] as? String == "Say hello")

            let record = try #require(try await harness.waitForRecords(1).first)
            #expect(record.deployment == "anthropic:ok")
            #expect(record.usage?.promptTokens == 12)
            #expect(record.usage?.completionTokens == 8)
            #expect(abs(record.cost - (12 * 1 + 8 * 2) / 1_000_000) < 1e-12)
        }
    }

    @Test func toolsGoUpInAnthropicsShapeAndStreamedToolCallsComeBackInOpenAIs() async throws {
        try await withGateway { harness, client in
            let tools = #","tools":[{"type":"function","function":{"name":"get_weather","description":"The weather","parameters":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}}],"tool_choice":"required""#
            let reply = try await client.chat(model: "anthropic-tools", stream: true, extra: tools)
            #expect(reply.status == 200)
            #expect(reply.events.last == "[DONE]")
            let calls = self.deltas(reply).compactMap { ($0["tool_calls"] as? [[String: Any]])?.first }
            let first = try #require(calls.first)
            #expect(first["index"] as? Int == 0)
            #expect(first["id"] as? String == "toolu_01T1x1fJ34qAmk2tNTrN7Up6")
            #expect(first["type"] as? String == "function")
            #expect((first["function"] as? [String: Any])?["name"] as? String == "get_weather")
            #expect(calls.dropFirst().allSatisfy { $0["index"] as? Int == 0 && $0["id"] == nil })
            let arguments = calls.compactMap { ($0["function"] as? [String: Any])?["arguments"] as? String }.joined()
            #expect(arguments == #"{"location": "San Francisco, CA", "unit": "fahrenheit"}"#)
            #expect(self.deltas(reply).compactMap { $0["content"] as? String }.joined() == "Okay, let's check the weather")
            let finish = reply.eventObjects.compactMap { ($0["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String }
            #expect(finish == ["tool_calls"])

            let sent = try #require(harness.anthropicStub.received.first?.json)
            let tool = try #require((sent["tools"] as? [[String: Any]])?.first)
            #expect(tool["name"] as? String == "get_weather")
            #expect((tool["input_schema"] as? [String: Any])?["required"] as? [String] == ["location"])
            #expect((sent["tool_choice"] as? [String: Any])?["type"] as? String == "any")
            #expect(sent["max_tokens"] as? Int == 4096, "Anthropic needs max_tokens; 4096 when neither client nor deployment sets it")
            #expect(try await harness.waitForRecords(1).first?.usage?.completionTokens == 89)
        }
    }

    @Test func anErrorEventMidStreamEndsTheStreamWithAnOpenAIErrorAndNoDone() async throws {
        try await withGateway { harness, client in
            let reply = try await client.chat(model: "anthropic-overloaded", stream: true)
            #expect(reply.status == 200)
            #expect(!reply.events.contains("[DONE]"))
            #expect(self.deltas(reply).compactMap { $0["content"] as? String }.joined() == "Hello", "what arrived before the error is relayed")
            let error = try #require(reply.eventObjects.last?["error"] as? [String: Any])
            #expect((error["message"] as? String)?.contains("Overloaded") == true)
            #expect(reply.eventObjects.filter { $0["error"] != nil }.count == 1)
            let record = try #require(try await harness.waitForRecords(1).first)
            #expect(record.status == 502)
        }
    }

    @Test func upstreamErrorsComeBackInOpenAIsShape() async throws {
        try await withGateway { harness, client in
            let limited = try await client.chat(model: "anthropic-rate-limited")
            #expect(limited.status == 429)
            #expect(limited.headers.first(name: "retry-after") == "12")
            #expect(limited.error["type"] as? String == "rate_limit_error")
            #expect(limited.error["message"] as? String == "Number of request tokens has exceeded your per-minute rate limit.")

            let invalid = try await client.chat(model: "anthropic-invalid", stream: true)
            #expect(invalid.status == 400)
            #expect(invalid.error["type"] as? String == "invalid_request_error")
            #expect(invalid.error["message"] as? String == "messages.0.content: Input should be a valid list")

            let overloaded = try await client.chat(model: "anthropic-overloaded")
            #expect(overloaded.status == 503, "529 overloaded is retryable, as OpenAI clients retry 503")
            #expect(overloaded.error["code"] as? String == "overloaded_error")
            #expect(harness.anthropicStub.received.count == 3)
        }
    }

    @Test func aPromptTooLongForTheModelGoesToItsFallback() async throws {
        try await withGateway { harness, client in
            let reply = try await client.chat(model: "anthropic-small")
            #expect(reply.status == 200)
            #expect(reply.json["model"] as? String == "anthropic-ok")
            #expect(harness.anthropicStub.received.compactMap { $0.json["model"] as? String } == ["too-long", "ok"])
            #expect(try await harness.waitForRecords(1).first?.servedModel == "anthropic-ok")
        }
    }

    @Test func requestsTheMessagesAPICannotExpressAreRefusedBeforeGoingUpstream() async throws {
        try await withGateway { harness, client in
            let choices = try await client.chat(model: "anthropic-ok", extra: #","n":2"#)
            #expect(choices.status == 400)
            #expect(choices.error["param"] as? String == "n")

            let completion = try await client.request(.POST, "/v1/completions", body: #"{"model":"anthropic-ok","prompt":"Say hello"}"#)
            #expect(completion.status == 400)
            #expect(completion.error["code"] as? String == "unsupported_endpoint")
            #expect((completion.error["message"] as? String)?.contains("/v1/completions") == true)
            let embedding = try await client.request(.POST, "/v1/embeddings", body: #"{"model":"anthropic-ok","input":"hello"}"#)
            #expect(embedding.status == 400)
            #expect(harness.anthropicStub.received.isEmpty)
        }
    }
}
