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
            #expect(error["code"] as? String == "content_filter", "streamed or not, a blocked prompt says content_filter")
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

    /// A tool loop of an OpenAI client: the calls come back, the client answers them.
    private func toolLoop(_ client: TestClient, stream: Bool) async throws -> TestClient.Reply {
        let tools = #"[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"location":{"type":"string"}}}}}]"#
        let question = #"{"role":"user","content":"Weather in Paris and Rome?"}"#
        let first = try await client.request(.POST, "/v1/chat/completions", body: #"{"model":"gemini-tools","stream":\#(stream),"messages":[\#(question)],"tools":\#(tools)}"#)
        #expect(first.status == 200)
        var calls: [[String: Any]]
        if stream {
            calls = self.deltas(first).flatMap { $0["tool_calls"] as? [[String: Any]] ?? [] }
            for index in calls.indices { calls[index]["index"] = nil }
        } else {
            calls = ((first.json["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["tool_calls"] as? [[String: Any]] ?? []
        }
        #expect(calls.count == 2)
        let assistant = String(decoding: try JSONSerialization.data(withJSONObject: ["role": "assistant", "content": NSNull(), "tool_calls": calls]), as: UTF8.self)
        let results = calls.compactMap { $0["id"] as? String }.map { #"{"role":"tool","tool_call_id":"\#($0)","content":"sunny"}"# }.joined(separator: ",")
        return try await client.request(
            .POST, "/v1/chat/completions", body: #"{"model":"gemini-tools","messages":[\#(question),\#(assistant),\#(results)],"tools":\#(tools)}"#)
    }

    @Test func aGemini3ToolLoopKeepsItsThoughtSignature() async throws {
        try await withGateway { harness, client in
            for stream in [false, true] {
                let second = try await self.toolLoop(client, stream: stream)
                #expect(second.status == 200, "\(second.body)")
                let message = ((second.json["choices"] as? [[String: Any]])?.first)?["message"] as? [String: Any]
                #expect(message?["content"] as? String == "Sunny in Paris and in Rome.")
                let sent = try #require(harness.geminiStub.received.last?.json)
                let model = try #require((sent["contents"] as? [[String: Any]])?[1])
                let parts = try #require(model["parts"] as? [[String: Any]])
                #expect(parts.first?["thoughtSignature"] as? String == StubGemini.thoughtSignature)
                #expect(parts.count == 2 && parts[1]["thoughtSignature"] == nil)
            }
        }
    }

    @Test func anAnthropicClientsToolLoopKeepsTheSignatureToo() async throws {
        try await withGateway { _, client in
            let headers = ["x-api-key": "sk-test", "anthropic-version": "2023-06-01"]
            let tools = #"[{"name":"get_weather","input_schema":{"type":"object","properties":{"location":{"type":"string"}}}}]"#
            let question = #"{"role":"user","content":"Weather in Paris and Rome?"}"#
            let first = try await client.request(
                .POST, "/v1/messages", body: #"{"model":"gemini-tools","max_tokens":256,"messages":[\#(question)],"tools":\#(tools)}"#, key: nil, headers: headers)
            #expect(first.status == 200)
            let uses = (first.json["content"] as? [[String: Any]] ?? []).filter { $0["type"] as? String == "tool_use" }
            #expect(uses.count == 2)
            let assistant = String(decoding: try JSONSerialization.data(withJSONObject: ["role": "assistant", "content": uses]), as: UTF8.self)
            let results = uses.compactMap { $0["id"] as? String }.map { #"{"type":"tool_result","tool_use_id":"\#($0)","content":"sunny"}"# }
            let answer = #"{"role":"user","content":[\#(results.joined(separator: ","))]}"#
            let second = try await client.request(
                .POST, "/v1/messages", body: #"{"model":"gemini-tools","max_tokens":256,"messages":[\#(question),\#(assistant),\#(answer)],"tools":\#(tools)}"#,
                key: nil, headers: headers)
            #expect(second.status == 200, "\(second.body)")
            #expect((second.json["content"] as? [[String: Any]])?.first?["text"] as? String == "Sunny in Paris and in Rome.")
        }
    }

    @Test func strictToolsAndJSONSchemaAnswersReachGemini() async throws {
        try await withGateway { harness, client in
            // What the OpenAI SDK's `chat.completions.parse` sends with a pydantic tool and response model.
            let strict = #"""
                ,"tools":[{"type":"function","function":{"name":"get_weather","strict":true,"parameters":{"properties":{"location":{"title":"Location","type":"string"},"unit":{"anyOf":[{"enum":["c","f"],"type":"string"},{"type":"null"}],"title":"Unit"}},"required":["location","unit"],"title":"GetWeather","type":"object","additionalProperties":false}}}],
                "response_format":{"type":"json_schema","json_schema":{"name":"Answer","strict":true,"schema":{"properties":{"text":{"title":"Text","type":"string"}},"required":["text"],"title":"Answer","type":"object","additionalProperties":false}}}
                """#
            let reply = try await client.chat(model: "gemini-tools", extra: strict)
            #expect(reply.status == 200, "\(reply.body)")
            let sent = try #require(harness.geminiStub.received.last?.json)
            let generation = try #require(sent["generationConfig"] as? [String: Any])
            #expect(generation["responseMimeType"] as? String == "application/json")
            #expect((generation["responseSchema"] as? [String: Any])?["additionalProperties"] == nil)
        }
    }

    @Test func reasoningAndTopKAreAskedOfGeminiInEachClientsTerms() async throws {
        try await withGateway { harness, client in
            let reply = try await client.chat(model: "gemini-ok", extra: #","reasoning_effort":"low""#)
            #expect(reply.status == 200, "\(reply.body)")
            let generation = harness.geminiStub.received.last?.json["generationConfig"] as? [String: Any]
            let thinking = generation?["thinkingConfig"] as? [String: Any]
            #expect(thinking?["thinkingLevel"] as? String == "low")
            #expect(thinking?["includeThoughts"] as? Bool == true)

            let headers = ["x-api-key": "sk-test", "anthropic-version": "2023-06-01"]
            let body = #"{"model":"gemini-ok","max_tokens":20000,"top_k":40,"thinking":{"type":"enabled","budget_tokens":10000},"messages":[{"role":"user","content":"Say hello"}]}"#
            let message = try await client.request(.POST, "/v1/messages", body: body, key: nil, headers: headers)
            #expect(message.status == 200, "\(message.body)")
            #expect((message.json["content"] as? [[String: Any]])?.first?["type"] as? String == "thinking")
            let anthropicGeneration = harness.geminiStub.received.last?.json["generationConfig"] as? [String: Any]
            #expect(anthropicGeneration?["topK"] as? Int == 40)
            #expect((anthropicGeneration?["thinkingConfig"] as? [String: Any])?["thinkingLevel"] as? String == "high")
        }
    }

    @Test func aMalformedFunctionCallIsAnErrorNotAnEmptyStop() async throws {
        try await withGateway { _, client in
            let body = #"{"model":"gemini-tools","messages":[{"role":"user","content":"Answer with a malformed call"}]}"#
            let reply = try await client.request(.POST, "/v1/chat/completions", body: body)
            #expect(reply.status == 502)
            #expect(reply.error["code"] as? String == "malformed_function_call")
            #expect((reply.error["message"] as? String)?.contains("Malformed function call") == true)

            let streamed = try await client.request(.POST, "/v1/chat/completions", body: body.replacing(#""messages""#, with: #""stream":true,"messages""#))
            #expect(!streamed.events.contains("[DONE]"))
            #expect((streamed.eventObjects.last?["error"] as? [String: Any])?["code"] as? String == "malformed_function_call")
        }
    }
}
