import Foundation
import SluiceCore
import Testing

@testable import SluiceServer

/// `POST /v1/responses` over HTTP: translated to chat completions for deployments that speak
/// only chat (answers and events written back as Responses objects), passed through to
/// deployments that serve the Responses API themselves, and continued with
/// `previous_response_id` on any deployment of any kind.
@Suite("Responses API, over HTTP")
struct ResponsesAPITests {
    private func create(_ client: TestClient, _ body: String) async throws -> TestClient.Reply {
        try await client.request(.POST, "/v1/responses", body: body)
    }

    /// The events of a Responses stream: each `event:` name with its data object.
    private func events(_ reply: TestClient.Reply) -> [(name: String, data: [String: Any])] {
        reply.body.components(separatedBy: "\n\n").compactMap { event in
            var name: String?
            var data: [String: Any]?
            for line in event.split(separator: "\n") {
                if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data = (try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8))) as? [String: Any] }
            }
            guard let name, let data else { return nil }
            return (name, data)
        }
    }

    /// What the stream's events say in order: names matching `type`, sequence numbers 0, 1, 2…
    private func expectWellFormed(_ events: [(name: String, data: [String: Any])], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(events.map(\.name) == events.map { $0.data["type"] as? String ?? "" }, "each event's name is its data's type", sourceLocation: sourceLocation)
        #expect(events.map { $0.data["sequence_number"] as? Int ?? -1 } == Array(0..<events.count), "sequence numbers count from 0", sourceLocation: sourceLocation)
        #expect(events.first?.name == "response.created", sourceLocation: sourceLocation)
    }

    private func outputText(of response: [String: Any]) -> String {
        let output = response["output"] as? [[String: Any]] ?? []
        return output.filter { $0["type"] as? String == "message" }
            .flatMap { $0["content"] as? [[String: Any]] ?? [] }
            .compactMap { $0["text"] as? String }
            .joined()
    }

    // MARK: - Translated to chat completions

    @Test func aRequestToAChatDeploymentIsAnsweredAsAResponse() async throws {
        try await withResponsesGateway { harness, client, _ in
            let reply = try await self.create(client, #"{"model":"stub-metered","input":"Say hello","instructions":"Be brief.","max_output_tokens":5}"#)
            #expect(reply.status == 200, "\(reply.body)")
            let response = reply.json
            #expect(response["object"] as? String == "response")
            #expect((response["id"] as? String)?.hasPrefix("resp_") == true)
            #expect(response["model"] as? String == "stub-metered")
            // Five tokens of the limit cut the answer short.
            #expect(response["status"] as? String == "incomplete")
            #expect((response["incomplete_details"] as? [String: Any])?["reason"] as? String == "max_output_tokens")
            #expect(self.outputText(of: response) == String(repeating: "tok ", count: 5))
            let usage = try #require(response["usage"] as? [String: Any])
            #expect(usage["output_tokens"] as? Int == 5)

            let sent = try #require(harness.stub.received.last)
            #expect(sent.path == "/v1/chat/completions")
            let chat = try #require(try JSONSerialization.jsonObject(with: Data(sent.body.utf8)) as? [String: Any])
            let messages = try #require(chat["messages"] as? [[String: Any]])
            #expect(messages.map { $0["role"] as? String } == ["system", "user"])
            #expect(chat["max_completion_tokens"] as? Int == 5)

            let record = try #require(try await harness.waitForRecords(1).last)
            #expect(record.endpoint == .responses)
            #expect(record.status == 200)
            #expect(record.usage?.completionTokens == 5)
            #expect(record.usage?.promptTokens == usage["input_tokens"] as? Int)
        }
    }

    @Test func aStreamFromAChatDeploymentArrivesAsResponsesEvents() async throws {
        try await withResponsesGateway { harness, client, _ in
            let reply = try await self.create(client, #"{"model":"stub-metered","input":"Say hello","max_output_tokens":12,"stream":true}"#)
            #expect(reply.status == 200, "\(reply.body)")
            #expect(reply.headers["content-type"].first == "text/event-stream")
            let events = self.events(reply)
            self.expectWellFormed(events)
            let deltas = events.filter { $0.name == "response.output_text.delta" }.compactMap { $0.data["delta"] as? String }.joined()
            #expect(deltas == String(repeating: "tok ", count: 12))
            let last = try #require(events.last)
            #expect(last.name == "response.incomplete")
            let response = try #require(last.data["response"] as? [String: Any])
            #expect(self.outputText(of: response) == deltas, "the final response holds what the deltas built")
            #expect((response["usage"] as? [String: Any])?["output_tokens"] as? Int == 12)
            let record = try #require(try await harness.waitForRecords(1).last)
            #expect(record.usage?.completionTokens == 12)
        }
    }

    @Test func aToolCallStreamsItsArgumentsAndItsResultContinuesTheConversation() async throws {
        try await withResponsesGateway { _, client, _ in
            let tools = #"[{"type":"function","name":"get_weather","description":"The weather in a city.","parameters":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}]"#
            let first = try await self.create(client, #"{"model":"chat-tools","input":"Weather in Paris?","tools":\#(tools),"stream":true}"#)
            #expect(first.status == 200, "\(first.body)")
            let events = self.events(first)
            self.expectWellFormed(events)
            let arguments = events.filter { $0.name == "response.function_call_arguments.delta" }.compactMap { $0.data["delta"] as? String }.joined()
            #expect(arguments == #"{"location":"Paris"}"#)
            let completed = try #require(events.last { $0.name == "response.completed" }?.data["response"] as? [String: Any])
            let call = try #require((completed["output"] as? [[String: Any]])?.first { $0["type"] as? String == "function_call" })
            #expect(call["name"] as? String == "get_weather")
            #expect(call["arguments"] as? String == arguments)
            let callID = try #require(call["call_id"] as? String)
            let id = try #require(completed["id"] as? String)

            // The stub refuses a tool result that answers no call of the assistant turn before it:
            // the second turn reaches it only with the first turn's call brought back.
            let second = try await self.create(client, """
                {"model":"chat-tools","previous_response_id":"\(id)","tools":\(tools),
                 "input":[{"type":"function_call_output","call_id":"\(callID)","output":"sunny, 21 C"}]}
                """)
            #expect(second.status == 200, "\(second.body)")
            #expect(self.outputText(of: second.json).contains("sunny, 21 C"), "\(second.body)")
            #expect(second.json["previous_response_id"] as? String == id)
        }
    }

    // MARK: - Continuing a conversation

    @Test func aConversationStartedNativelyContinuesOnAnotherBackendKind() async throws {
        try await withResponsesGateway { harness, client, upstream in
            let first = try await self.create(client, #"{"model":"responses-native","input":"My name is Ada."}"#)
            #expect(first.status == 200, "\(first.body)")
            let id = try #require(first.json["id"] as? String)
            let firstAnswer = self.outputText(of: first.json)
            #expect(!firstAnswer.isEmpty)

            let second = try await self.create(client, #"{"model":"anthropic-ok","previous_response_id":"\#(id)","input":"What is my name?"}"#)
            #expect(second.status == 200, "\(second.body)")
            let sent = try #require(harness.anthropicStub.received.last)
            let anthropic = try #require(try JSONSerialization.jsonObject(with: Data(sent.body.utf8)) as? [String: Any])
            let turns = try #require(anthropic["messages"] as? [[String: Any]])
            let text = String(decoding: try JSONSerialization.data(withJSONObject: turns), as: UTF8.self)
            #expect(turns.map { $0["role"] as? String } == ["user", "assistant", "user"], "\(text)")
            #expect(text.contains("My name is Ada.") && text.contains(firstAnswer.trimmingCharacters(in: .whitespaces)) && text.contains("What is my name?"))
            #expect(upstream.received.count == 1)
        }
    }

    @Test func aResponseMadeWithStoreFalseCannotBeContinued() async throws {
        try await withResponsesGateway { _, client, _ in
            let first = try await self.create(client, #"{"model":"stub-ok","input":"Hello","store":false}"#)
            #expect(first.status == 200, "\(first.body)")
            let id = try #require(first.json["id"] as? String)
            for previous in [id, "resp_0000000000000000000000000000000000000000000000000"] {
                let next = try await self.create(client, #"{"model":"stub-ok","previous_response_id":"\#(previous)","input":"Again"}"#)
                #expect(next.status == 400, "\(next.body)")
                #expect(next.error["code"] as? String == "previous_response_not_found")
                #expect(next.error["param"] as? String == "previous_response_id")
                #expect((next.error["message"] as? String)?.contains(previous) == true)
            }
        }
    }

    /// A key of the tenant, through the admin API: the key and its id.
    private func tenantKey(_ client: TestClient, tenant: String) async throws -> (key: String, id: String) {
        _ = try await client.request(.POST, "/admin/tenants", body: #"{"id":"\#(tenant)","name":"\#(tenant)"}"#, key: GatewayHarness.adminKey)
        let created = try await client.request(.POST, "/admin/keys", body: #"{"name":"k","tenant_id":"\#(tenant)"}"#, key: GatewayHarness.adminKey)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(created.body.utf8)) as? [String: Any], "\(created.body)")
        return (try #require(object["key"] as? String), try #require(object["id"] as? String))
    }

    /// A continuation's budget reservation counts the history it brings in, not only its own input.
    @Test func aContinuationReservesForTheHistoryItBringsIn() async throws {
        try await withResponsesGateway { _, client, _ in
            // One key of the tenant starts the conversation; another, with a small budget, continues it.
            let (starter, _) = try await self.tenantKey(client, tenant: "river")
            let (key, keyID) = try await self.tenantKey(client, tenant: "river")
            let long = String(repeating: "The river rose over the gauges before dawn. ", count: 300)
            let first = try await client.request(.POST, "/v1/responses", body: #"{"model":"stub-ok","input":"\#(long)","max_output_tokens":16}"#, key: starter)
            #expect(first.status == 200, "\(first.body)")
            let id = try #require(first.json["id"] as? String)

            let budget = try await client.request(
                .POST, "/admin/budgets", body: #"{"scope":"key","scope_id":"\#(keyID)","unit":"tokens","period":"day","limit":1000}"#, key: GatewayHarness.adminKey
            )
            #expect(budget.status == 201, "\(budget.body)")

            let continued = try await client.request(
                .POST, "/v1/responses", body: #"{"model":"stub-ok","previous_response_id":"\#(id)","input":"Again","max_output_tokens":16}"#, key: key
            )
            #expect(continued.status == 429, "\(long.utf8.count) bytes of history cannot fit 1,000 tokens: \(continued.body)")
            #expect(continued.error["code"] as? String == "budget_exceeded")
            let alone = try await client.request(.POST, "/v1/responses", body: #"{"model":"stub-ok","input":"Again","max_output_tokens":16}"#, key: key)
            #expect(alone.status == 200, "the same turn without the history fits: \(alone.body)")
        }
    }

    // MARK: - Native Responses deployments

    @Test(arguments: [false, true])
    func aResponsesDeploymentGetsTheRequestAsWrittenButForModel(stream: Bool) async throws {
        try await withResponsesGateway { harness, client, upstream in
            let body = #"{ "input":[{"role":"user","content":[{"type":"input_text","text":"caf\u00e9 \/ hi"}]}], "model" : "responses-native","#
                + #" "reasoning":{"effort":"low"},"include":["reasoning.encrypted_content"],"store":true, "stream":\#(stream) }"#
            let reply = try await self.create(client, body)
            #expect(reply.status == 200, "\(reply.body)")
            let sent = try #require(upstream.received.last)
            #expect(sent.path == "/v1/responses")
            #expect(sent.text == body.replacingOccurrences(of: #""responses-native""#, with: #""responses-ok""#), "only model may change")
            let answer = StubResponsesAPI.Answer(request: try #require(try JSONSerialization.jsonObject(with: Data(sent.body)) as? [String: Any]))
            let response: [String: Any]
            if stream {
                let events = self.events(reply)
                self.expectWellFormed(events)
                #expect(events.count == answer.events.count, "every event relayed: \(reply.body)")
                #expect((events[0].data["response"] as? [String: Any])?["model"] as? String == "responses-native")
                response = try #require(events.last?.data["response"] as? [String: Any])
            } else {
                response = reply.json
            }
            #expect(response["model"] as? String == "responses-native")
            #expect(self.outputText(of: response) == answer.text)
            let record = try #require(try await harness.waitForRecords(1).last)
            #expect(record.usage == Usage(promptTokens: answer.inputTokens, completionTokens: answer.words.count))
            #expect(record.endpoint == .responses)
        }
    }

    @Test func aFailedNativeStreamEndsWithAnErrorEvent() async throws {
        try await withResponsesGateway { harness, client, _ in
            let reply = try await self.create(client, #"{"model":"responses-native-failing","input":"Hi","stream":true}"#)
            #expect(reply.status == 200)
            let events = self.events(reply)
            self.expectWellFormed(events)
            #expect(events.last?.name == "error", "\(reply.body)")
            #expect((events.last?.data["message"] as? String)?.contains("The model crashed.") == true)
            let record = try #require(try await harness.waitForRecords(1).last)
            #expect(record.status == 502)
        }
    }

    @Test func refusalsReachTheClientInOpenAIsShape() async throws {
        try await withResponsesGateway { _, client, _ in
            let upstream = try await self.create(client, #"{"model":"responses-native-error","input":"Hi"}"#)
            #expect(upstream.status == 400, "\(upstream.body)")
            #expect(upstream.error["param"] as? String == "input")
            let unknown = try await self.create(client, #"{"model":"no-such-model","input":"Hi"}"#)
            #expect(unknown.status == 404, "\(unknown.body)")
            #expect(unknown.error["type"] as? String == "invalid_request_error")
            let malformed = try await self.create(client, #"{"model":"stub-ok","input":42}"#)
            #expect(malformed.status == 400, "\(malformed.body)")
            #expect(malformed.error["param"] as? String == "input")
        }
    }
}
