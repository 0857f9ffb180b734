import Foundation
import Testing

@Suite("Amazon Bedrock deployments behind the OpenAI API, over HTTP")
struct BedrockProviderTests {
    private func deltas(_ reply: TestClient.Reply) -> [[String: Any]] {
        reply.eventObjects.compactMap { ($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any] }
    }

    @Test func aSignedConverseRequestGoesUpAndTheAnswerComesBackInOpenAIsShape() async throws {
        try await withGateway { harness, client in
            let body = #"{"model":"bedrock-ok","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Say hello"}],"temperature":0.5,"max_tokens":64,"stop":"END"}"#
            let reply = try await client.request(.POST, "/v1/chat/completions", body: body)
            #expect(reply.status == 200)
            #expect(reply.json["object"] as? String == "chat.completion")
            #expect(reply.json["model"] as? String == "bedrock-ok")
            #expect((reply.json["id"] as? String)?.hasPrefix("chatcmpl-") == true)
            let choice = try #require((reply.json["choices"] as? [[String: Any]])?.first)
            #expect((choice["message"] as? [String: Any])?["content"] as? String == "Hello! How can I help?")
            #expect(choice["finish_reason"] as? String == "stop")
            #expect((reply.json["usage"] as? [String: Any])?["prompt_tokens"] as? Int == 12)

            let sent = try #require(harness.bedrockStub.received.first)
            #expect(sent.path == "/model/ok-v1%3A0/converse", "the model id's ':' is percent-encoded")
            #expect(sent.signatureMatches)
            #expect(sent.authorization?.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIDBEDROCKSTUB/") == true)
            #expect(sent.authorization?.contains("/us-west-2/bedrock/aws4_request, SignedHeaders=accept;content-type;host;x-amz-date;x-amz-security-token,") == true)
            #expect(sent.sessionToken == "stub-session-token")
            let converse = sent.json
            #expect((converse["system"] as? [[String: Any]])?.first?["text"] as? String == "Be brief.")
            let inference = try #require(converse["inferenceConfig"] as? [String: Any])
            #expect(inference["maxTokens"] as? Int == 64)
            #expect(inference["temperature"] as? Double == 0.5)
            #expect(inference["stopSequences"] as? [String] == ["END"])
            let turns = try #require(converse["messages"] as? [[String: Any]])
            #expect(turns.count == 1)
            #expect(((turns.first?["content"] as? [[String: Any]])?.first)?["text"] as? String == "Say hello")

            let record = try #require(try await harness.waitForRecords(1).first)
            #expect(record.usage?.promptTokens == 12)
            #expect(record.usage?.completionTokens == 8)
        }
    }

    @Test func toolsGoUpAsToolSpecsAndStreamedToolUseComesBackAsToolCalls() async throws {
        try await withGateway { harness, client in
            let tools = #","tools":[{"type":"function","function":{"name":"get_weather","description":"The weather","parameters":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}}],"tool_choice":"required""#
            let reply = try await client.chat(model: "bedrock-tools", stream: true, extra: tools)
            #expect(reply.status == 200)
            #expect(reply.events.last == "[DONE]")
            let calls = self.deltas(reply).compactMap { ($0["tool_calls"] as? [[String: Any]])?.first }
            let first = try #require(calls.first)
            #expect(first["index"] as? Int == 0)
            #expect(first["id"] as? String == "tooluse_Bq8bRMPpTbGz1Vd0z3VNAw")
            #expect((first["function"] as? [String: Any])?["name"] as? String == "get_weather")
            #expect(calls.dropFirst().allSatisfy { $0["index"] as? Int == 0 && $0["id"] == nil })
            let arguments = calls.compactMap { ($0["function"] as? [String: Any])?["arguments"] as? String }.joined()
            #expect(arguments == #"{"location": "Seattle, WA"}"#)
            let finish = reply.eventObjects.compactMap { ($0["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String }
            #expect(finish == ["tool_calls"])

            let sent = try #require(harness.bedrockStub.received.first?.json)
            let toolConfig = try #require(sent["toolConfig"] as? [String: Any])
            let spec = try #require(((toolConfig["tools"] as? [[String: Any]])?.first)?["toolSpec"] as? [String: Any])
            #expect(spec["name"] as? String == "get_weather")
            #expect(((spec["inputSchema"] as? [String: Any])?["json"] as? [String: Any])?["required"] as? [String] == ["location"])
            #expect((toolConfig["toolChoice"] as? [String: Any])?["any"] != nil)
        }
    }

    @Test func throttlingIsARetryable429() async throws {
        try await withGateway { harness, client in
            let reply = try await client.chat(model: "bedrock-throttled")
            #expect(reply.status == 429)
            #expect(reply.error["type"] as? String == "rate_limit_error")
            #expect(reply.error["code"] as? String == "throttling_exception")
            #expect(reply.error["message"] as? String == "Too many requests, please wait before trying again.")
            #expect(harness.bedrockStub.received.first?.signatureMatches == true)
        }
    }

    @Test func anExceptionFrameMidStreamEndsTheStreamWithAnOpenAIErrorAndNoDone() async throws {
        try await withGateway { harness, client in
            let reply = try await client.chat(model: "bedrock-stream-error", stream: true)
            #expect(reply.status == 200)
            #expect(!reply.events.contains("[DONE]"))
            #expect(self.deltas(reply).compactMap { $0["content"] as? String }.joined() == "Hello there!", "what arrived before the exception is relayed")
            let error = try #require(reply.eventObjects.last?["error"] as? [String: Any])
            #expect((error["message"] as? String)?.contains("The model failed mid-stream.") == true)
            #expect(reply.eventObjects.filter { $0["error"] != nil }.count == 1)
            #expect(try await harness.waitForRecords(1).first?.status == 502)
        }
    }

    @Test func otherEndpointsAndInexpressibleRequestsAreRefusedBeforeGoingUpstream() async throws {
        try await withGateway { harness, client in
            let choices = try await client.chat(model: "bedrock-ok", extra: #","n":2"#)
            #expect(choices.status == 400)
            #expect(choices.error["param"] as? String == "n")
            let embedding = try await client.request(.POST, "/v1/embeddings", body: #"{"model":"bedrock-ok","input":"hello"}"#)
            #expect(embedding.status == 400)
            #expect(embedding.error["code"] as? String == "unsupported_endpoint")
            #expect(harness.bedrockStub.received.isEmpty)
        }
    }
}
