import Foundation
import Testing

@Suite("Gemini deployments behind the OpenAI API, over HTTP")
struct GeminiProviderTests {
    private func deltas(_ reply: TestClient.Reply) -> [[String: Any]] {
        reply.eventObjects.compactMap { ($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any] }
    }

    @Test func aChatRequestReachesGenerateContentAndTheAnswerComesBackInOpenAIsShape() async throws {
        try await withGateway { harness, client in
            let body = #"{"model":"gemini-ok","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Say hello"}],"temperature":0.5,"max_tokens":64}"#
            let reply = try await client.request(.POST, "/v1/chat/completions", body: body)
            #expect(reply.status == 200)
            #expect(reply.json["object"] as? String == "chat.completion")
            #expect(reply.json["model"] as? String == "gemini-ok")
            #expect(reply.json["id"] as? String == "chatcmpl-mkY2aJ3TFpuVz7IPsMqyoAo")
            let choice = try #require((reply.json["choices"] as? [[String: Any]])?.first)
            let message = try #require(choice["message"] as? [String: Any])
            #expect(message["content"] as? String == "Hello! How can I help?")
            #expect(message["reasoning_content"] as? String == "Greeting the user.")
            #expect(choice["finish_reason"] as? String == "stop")
            #expect((reply.json["usage"] as? [String: Any])?["completion_tokens"] as? Int == 10)

            let sent = try #require(harness.geminiStub.received.first)
            #expect(sent.path == "/v1beta/models/ok:generateContent")
            #expect(sent.apiKey == "gemini-secret")
            #expect(sent.authorization == nil, "the key goes in x-goog-api-key only")
            let request = sent.json
            #expect(((request["systemInstruction"] as? [String: Any])?["parts"] as? [[String: Any]])?.first?["text"] as? String == "Be brief.")
            let contents = try #require(request["contents"] as? [[String: Any]])
            #expect(contents.count == 1)
            #expect(contents.first?["role"] as? String == "user")
            let generation = try #require(request["generationConfig"] as? [String: Any])
            #expect(generation["temperature"] as? Double == 0.5)
            #expect(generation["maxOutputTokens"] as? Int == 64)

            let record = try #require(try await harness.waitForRecords(1).first)
            #expect(record.deployment == "gemini:ok")
            #expect(record.usage?.promptTokens == 11)
            #expect(record.usage?.completionTokens == 10)
        }
    }

    @Test func aStreamIsTranslatedAndEndsWithDone() async throws {
        try await withGateway { harness, client in
            let reply = try await client.chat(model: "gemini-ok", stream: true, extra: #","stream_options":{"include_usage":true}"#)
            #expect(reply.status == 200)
            #expect(reply.events.last == "[DONE]")
            #expect(reply.eventObjects.allSatisfy { $0["model"] as? String == "gemini-ok" })
            #expect(self.deltas(reply).first?["role"] as? String == "assistant")
            #expect(self.deltas(reply).compactMap { $0["content"] as? String }.joined() == "Hello there!")
            let finish = reply.eventObjects.compactMap { ($0["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String }
            #expect(finish == ["stop"])
            #expect((reply.eventObjects.last?["usage"] as? [String: Any])?["total_tokens"] as? Int == 14)

            let sent = try #require(harness.geminiStub.received.first)
            #expect(sent.path == "/v1beta/models/ok:streamGenerateContent")
            #expect(sent.query == "alt=sse")
            #expect(try await harness.waitForRecords(1).first?.usage?.completionTokens == 3)
        }
    }

    @Test func toolsGoUpAsFunctionDeclarationsAndCallsComeBackAsToolCalls() async throws {
        try await withGateway { harness, client in
            let tools = #","tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"location":{"type":"string"}}}}}],"tool_choice":"required""#
            for stream in [false, true] {
                let reply = try await client.chat(model: "gemini-tools", stream: stream, extra: tools)
                #expect(reply.status == 200)
                let call: [String: Any]?
                if stream {
                    call = self.deltas(reply).compactMap { ($0["tool_calls"] as? [[String: Any]])?.first }.first
                    #expect(reply.events.last == "[DONE]")
                } else {
                    let message = ((reply.json["choices"] as? [[String: Any]])?.first)?["message"] as? [String: Any]
                    call = (message?["tool_calls"] as? [[String: Any]])?.first
                }
                #expect((call?["id"] as? String)?.hasPrefix("call_") == true)
                #expect((call?["function"] as? [String: Any])?["name"] as? String == "get_weather")
                #expect((call?["function"] as? [String: Any])?["arguments"] as? String == #"{"location":"Paris"}"#)
            }
            let sent = try #require(harness.geminiStub.received.first?.json)
            let declarations = (sent["tools"] as? [[String: Any]])?.first?["functionDeclarations"] as? [[String: Any]]
            #expect(declarations?.first?["name"] as? String == "get_weather")
            #expect(((sent["toolConfig"] as? [String: Any])?["functionCallingConfig"] as? [String: Any])?["mode"] as? String == "ANY")
        }
    }

    @Test func aBlockedPromptIsAContentFilterError() async throws {
        try await withGateway { _, client in
            let reply = try await client.chat(model: "gemini-blocked")
            #expect(reply.status == 400)
            #expect(reply.error["code"] as? String == "content_filter")
            #expect((reply.error["message"] as? String)?.contains("SAFETY") == true)

            let streamed = try await client.chat(model: "gemini-blocked", stream: true)
            #expect(!streamed.events.contains("[DONE]"))
            let error = try #require(streamed.eventObjects.last?["error"] as? [String: Any])
            #expect((error["message"] as? String)?.contains("SAFETY") == true, "the gateway's own error event carries the block reason")
        }
    }

    @Test func rateLimitsStayRetryableWithTheUpstreamsRetryAfter() async throws {
        try await withGateway { _, client in
            let reply = try await client.chat(model: "gemini-rate-limited")
            #expect(reply.status == 429)
            #expect(reply.headers.first(name: "retry-after") == "7")
            #expect(reply.error["type"] as? String == "rate_limit_error")
            #expect(reply.error["message"] as? String == "Resource has been exhausted (e.g. check quota).")
        }
    }

    @Test func embeddingsGoToBatchEmbedContentsAndCompletionsAreRefused() async throws {
        try await withGateway { harness, client in
            let embedding = try await client.request(.POST, "/v1/embeddings", body: #"{"model":"gemini-ok","input":"hello"}"#)
            #expect(embedding.status == 200)
            #expect(embedding.json["model"] as? String == "gemini-ok")
            #expect(((embedding.json["data"] as? [[String: Any]])?.first?["embedding"] as? [Double])?.count == 3)
            let sent = try #require(harness.geminiStub.received.first)
            #expect(sent.path == "/v1beta/models/ok:batchEmbedContents")
            #expect(((sent.json["requests"] as? [[String: Any]])?.first)?["model"] as? String == "models/ok")

            let completion = try await client.request(.POST, "/v1/completions", body: #"{"model":"gemini-ok","prompt":"Say hello"}"#)
            #expect(completion.status == 400)
            #expect(completion.error["code"] as? String == "unsupported_endpoint")
            let choices = try await client.chat(model: "gemini-ok", extra: #","n":2"#)
            #expect(choices.status == 400)
            #expect(choices.error["param"] as? String == "n")
            #expect(harness.geminiStub.received.count == 1)
        }
    }
}
