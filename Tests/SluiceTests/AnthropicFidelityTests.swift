import Foundation
import Testing

/// Anthropic Messages requests as Claude Code and the SDKs send them, to backends that do not
/// speak Anthropic: translated to OpenAI's chat by documented rules (thinking and effort,
/// structured outputs, context editing, error tool results, `system` turns), never refused for
/// members they cannot use; usage in `message_start` for every backend kind; token counts and
/// the model list in Anthropic's shape.
@Suite("Anthropic Messages at full fidelity, over HTTP")
struct AnthropicFidelityTests {
    static let headers = ["x-api-key": "sk-test", "anthropic-version": "2023-06-01"]

    /// The chat request the OpenAI-compatible stub received last, as JSON.
    private func sent(_ harness: GatewayHarness) throws -> [String: Any] {
        try #require(harness.stub.received.last).request.json
    }

    @Test(arguments: [false, true])
    func claudeCodesFirstTurnReachesAnOpenAICompatibleBackend(stream: Bool) async throws {
        try await withGateway { harness, client in
            let reply = try await client.request(
                .POST, "/v1/messages?beta=true", body: ClaudeCodeShapesTests.firstTurn(model: "stub-ok", stream: stream), key: nil,
                headers: ClaudeCodeShapesTests.headers
            )
            #expect(reply.status == 200, "\(reply.body)")
            if stream { #expect(reply.body.contains("event: message_stop")) } else { #expect(reply.json["type"] as? String == "message") }
            let sent = try self.sent(harness)
            #expect(sent["reasoning_effort"] as? String == "high", "a 31999-token budget is high effort")
            for member in ["thinking", "context_management", "metadata", "system"] { #expect(sent[member] == nil, "\(member) has no place in a chat request") }
            #expect((sent["user"] as? String)?.contains("device_id") == true, "metadata.user_id becomes user")
            let messages = try #require(sent["messages"] as? [[String: Any]])
            #expect(messages.map { $0["role"] as? String } == ["system", "user"])
            let system = try #require(messages[0]["content"] as? [[String: Any]])
            #expect(system.count == 3 && system.allSatisfy { $0["cache_control"] == nil }, "the three system blocks, without their cache marks")
            let tools = try #require(sent["tools"] as? [[String: Any]])
            #expect(tools.compactMap { ($0["function"] as? [String: Any])?["name"] as? String } == ["Bash", "DeferredToolPlaceholder"])
        }
    }

    @Test(arguments: [false, true])
    func claudeCodesToolResultTurnForAnUnknownModelReachesAnOpenAICompatibleBackend(stream: Bool) async throws {
        try await withGateway { harness, client in
            let reply = try await client.request(
                .POST, "/v1/messages?beta=true", body: ClaudeCodeShapesTests.toolResultTurn(model: "stub-ok", stream: stream), key: nil,
                headers: ClaudeCodeShapesTests.headers
            )
            #expect(reply.status == 200, "\(reply.body)")
            let sent = try self.sent(harness)
            #expect(sent["reasoning_effort"] as? String == "high", "adaptive thinking at high effort")
            #expect(sent["output_config"] == nil)
            let messages = try #require(sent["messages"] as? [[String: Any]])
            #expect(messages.map { $0["role"] as? String } == ["system", "user", "system", "assistant", "tool"], "the system turn stays in its place")
            #expect(messages[2]["content"] as? String == "Environment:\nPlatform: linux")
            #expect(messages[3]["content"] is NSNull, "the thinking block is not sent")
            #expect(messages[4]["content"] as? String == "tool-ran\n")
        }
    }

    @Test func anErrorToolResultTellsTheModelItFailed() async throws {
        try await withGateway { harness, client in
            let body = #"{"model":"stub-ok","max_tokens":64,"messages":[{"role":"user","content":"run it"},{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"Bash","input":{"command":"false"}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","is_error":true,"content":[{"type":"text","text":"exit status 1"}]}]}]}"#
            let reply = try await client.request(.POST, "/v1/messages", body: body, key: nil, headers: Self.headers)
            #expect(reply.status == 200, "\(reply.body)")
            let messages = try #require(try self.sent(harness)["messages"] as? [[String: Any]])
            #expect(messages.last?["role"] as? String == "tool")
            #expect(messages.last?["content"] as? String == "Error: exit status 1")
        }
    }

    @Test func structuredOutputsBecomeAStrictJSONSchemaResponseFormat() async throws {
        try await withGateway { harness, client in
            let schema = #"{"type":"object","properties":{"answer":{"type":"string"}},"required":["answer"],"additionalProperties":false}"#
            let body = #"{"model":"stub-ok","max_tokens":64,"messages":[{"role":"user","content":"answer in JSON"}],"output_config":{"format":{"type":"json_schema","schema":\#(schema)},"effort":"low"}}"#
            let reply = try await client.request(.POST, "/v1/messages", body: body, key: nil, headers: Self.headers)
            #expect(reply.status == 200, "\(reply.body)")
            let sent = try self.sent(harness)
            let format = try #require(sent["response_format"] as? [String: Any])
            #expect(format["type"] as? String == "json_schema")
            let definition = try #require(format["json_schema"] as? [String: Any])
            #expect(definition["name"] as? String == "output")
            #expect(definition["strict"] as? Bool == true)
            #expect((definition["schema"] as? [String: Any])?["required"] as? [String] == ["answer"])
            #expect(sent["reasoning_effort"] == nil, "without thinking the effort has nothing to set")
        }
    }

    @Test func clearingToolUsesReplacesOldResultsButTheLastKept() async throws {
        try await withGateway { harness, client in
            func turn(_ index: Int) -> String {
                #"{"role":"assistant","content":[{"type":"tool_use","id":"toolu_\#(index)","name":"\#(index == 0 ? "Read" : "Bash")","input":{"n":\#(index)}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_\#(index)","content":"result \#(index)"}]}"#
            }
            let edits = #"{"edits":[{"type":"clear_thinking_20251015","keep":"all"},{"type":"clear_tool_uses_20250919","trigger":{"type":"tool_uses","value":2},"keep":{"type":"tool_uses","value":1},"exclude_tools":["Read"],"clear_tool_inputs":true},{"type":"compact_20260112"}]}"#
            let body = #"{"model":"stub-ok","max_tokens":64,"messages":[{"role":"user","content":"go"},\#((0..<4).map(turn).joined(separator: ","))],"context_management":\#(edits)}"#
            let reply = try await client.request(.POST, "/v1/messages", body: body, key: nil, headers: Self.headers)
            #expect(reply.status == 200, "\(reply.body)")
            let messages = try #require(try self.sent(harness)["messages"] as? [[String: Any]])
            let results = messages.filter { $0["role"] as? String == "tool" }.map { $0["content"] as? String }
            #expect(results == ["result 0", "[Tool result cleared to save context]", "[Tool result cleared to save context]", "result 3"])
            let inputs = messages.compactMap { ($0["tool_calls"] as? [[String: Any]])?.first?["function"] as? [String: Any] }.map { $0["arguments"] as? String }
            #expect(inputs == [#"{"n":0}"#, "{}", "{}", #"{"n":3}"#])
        }
    }

    @Test func membersOnlyAnthropicsPlatformRunsAreRefusedByName() async throws {
        try await withGateway { _, client in
            let body = #"{"model":"stub-ok","max_tokens":64,"messages":[{"role":"user","content":"hi"}],"mcp_servers":[{"type":"url","url":"https://example.com/sse","name":"x"}]}"#
            let reply = try await client.request(.POST, "/v1/messages", body: body, key: nil, headers: Self.headers)
            #expect(reply.status == 400)
            #expect(reply.json["type"] as? String == "error")
            #expect((reply.error["message"] as? String)?.contains("'mcp_servers'") == true, "\(reply.body)")
        }
    }

    @Test func unknownMembersFromNewerClientsAreIgnored() async throws {
        try await withGateway { harness, client in
            let body = #"{"model":"stub-ok","max_tokens":64,"messages":[{"role":"user","content":"hi"}],"speed":"fast","inference_geo":"us","service_tier":"auto"}"#
            let reply = try await client.request(.POST, "/v1/messages", body: body, key: nil, headers: Self.headers)
            #expect(reply.status == 200, "\(reply.body)")
            let sent = try self.sent(harness)
            #expect(sent["speed"] == nil && sent["inference_geo"] == nil && sent["service_tier"] == nil)
        }
    }

    @Test func openAIJSONSchemaReachesAnthropicAndBedrockAsTheirStructuredOutputs() async throws {
        try await withGateway { harness, client in
            let schema = #"{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}"#
            func body(_ model: String, format: String) -> String {
                #"{"model":"\#(model)","max_tokens":64,"messages":[{"role":"user","content":"Where?"}],"response_format":\#(format)}"#
            }
            let jsonSchema = #"{"type":"json_schema","json_schema":{"name":"Place","strict":true,"schema":\#(schema)}}"#
            let expected = try #require(try JSONSerialization.jsonObject(with: Data(schema.utf8)) as? NSDictionary)

            let anthropic = try await client.request(.POST, "/v1/chat/completions", body: body("anthropic-ok", format: jsonSchema))
            #expect(anthropic.status == 200, "\(anthropic.body)")
            let outputConfig = try #require(harness.anthropicStub.received.last?.json["output_config"] as? [String: Any])
            let format = try #require(outputConfig["format"] as? [String: Any])
            #expect(format["type"] as? String == "json_schema")
            #expect((format["schema"] as? NSDictionary) == expected)

            let bedrock = try await client.request(.POST, "/v1/chat/completions", body: body("bedrock-ok", format: jsonSchema))
            #expect(bedrock.status == 200, "\(bedrock.body)")
            let textFormat = try #require((harness.bedrockStub.received.last?.request.json["outputConfig"] as? [String: Any])?["textFormat"] as? [String: Any])
            #expect(textFormat["type"] as? String == "json_schema")
            let definition = try #require((textFormat["structure"] as? [String: Any])?["jsonSchema"] as? [String: Any])
            #expect(definition["name"] as? String == "Place")
            let sentSchema = try #require(definition["schema"] as? String, "Converse takes the schema as a JSON string")
            #expect((try JSONSerialization.jsonObject(with: Data(sentSchema.utf8)) as? NSDictionary) == expected)

            for model in ["anthropic-ok", "bedrock-ok"] {
                let jsonMode = try await client.request(.POST, "/v1/chat/completions", body: body(model, format: #"{"type":"json_object"}"#))
                #expect(jsonMode.status == 400 && jsonMode.error["param"] as? String == "response_format", "\(model): \(jsonMode.body)")
            }
        }
    }

    // MARK: - Usage

    /// The `data:` objects of a streamed reply of one event type.
    private func events(_ reply: TestClient.Reply, type: String) -> [[String: Any]] {
        reply.body.split(separator: "\n").filter { $0.hasPrefix("data: ") }
            .compactMap { (try? JSONSerialization.jsonObject(with: Data($0.dropFirst(6).utf8))) as? [String: Any] }
            .filter { $0["type"] as? String == type }
    }

    /// Every kind of backend starts a stream with input tokens; translated ones with Sluice's
    /// estimate (what count_tokens answers), and end it with the upstream's own counts.
    @Test(arguments: ["stub-ok", "azure-ok", "gemini-ok", "bedrock-ok", "anthropic-ok"])
    func messageStartCarriesInputTokens(model: String) async throws {
        try await withGateway { _, client in
            let body = #"{"model":"\#(model)","max_tokens":64,"system":"You are terse.","messages":[{"role":"user","content":"Say hello to everyone in the room, please."}],"stream":true}"#
            let reply = try await client.request(.POST, "/v1/messages", body: body, key: nil, headers: Self.headers)
            #expect(reply.status == 200, "\(reply.body)")
            let start = try #require(self.events(reply, type: "message_start").first?["message"] as? [String: Any])
            let usage = try #require(start["usage"] as? [String: Any])
            let input = try #require(usage["input_tokens"] as? Int)
            #expect(input > 0, "\(usage)")
            for key in ["cache_creation_input_tokens", "cache_read_input_tokens", "output_tokens"] { #expect(usage[key] is Int, "\(key) in \(usage)") }
            guard model != "anthropic-ok" else { return }
            let final = try #require(self.events(reply, type: "message_delta").last?["usage"] as? [String: Any])
            for key in ["input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "output_tokens"] { #expect(final[key] is Int, "\(key) in \(final)") }
            let counted = try await client.request(.POST, "/v1/messages/count_tokens", body: body, key: nil, headers: Self.headers)
            #expect(counted.json["input_tokens"] as? Int == input, "message_start and count_tokens give the same estimate")
            if model == "stub-ok" {
                #expect(final["input_tokens"] as? Int == 9 && final["output_tokens"] as? Int == 3, "the upstream's own usage: \(final)")
            }
        }
    }

    // MARK: - Token counts

    @Test(arguments: ["stub-ok", "gemini-ok", "bedrock-ok"])
    func countTokensAnswersForTranslatedBackendsWithAnEstimate(model: String) async throws {
        try await withGateway { harness, client in
            let short = #"{"model":"\#(model)","messages":[{"role":"user","content":"Hello"}]}"#
            let long = #"{"model":"\#(model)","messages":[{"role":"user","content":"\#(String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 50))"}],"tools":[{"name":"get_weather","description":"Get the weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}]}"#
            let first = try await client.request(.POST, "/v1/messages/count_tokens?beta=true", body: short, key: nil, headers: Self.headers)
            #expect(first.status == 200, "\(first.body)")
            let shortCount = try #require(first.json["input_tokens"] as? Int)
            #expect(first.json.count == 1, "exactly Anthropic's shape: \(first.body)")
            let second = try await client.request(.POST, "/v1/messages/count_tokens", body: long, key: nil, headers: Self.headers)
            let longCount = try #require(second.json["input_tokens"] as? Int)
            // 50 sentences of 10 tokens each (o200k_base) and a small tool.
            #expect(shortCount > 0 && shortCount < 20, "\(shortCount)")
            #expect((450...650).contains(longCount), "\(longCount)")
            #expect(harness.stub.received.isEmpty && harness.geminiStub.received.isEmpty && harness.bedrockStub.received.isEmpty, "nothing goes upstream")
        }
    }

    // MARK: - Models

    @Test func theModelListTakesAnthropicsShapeForAnthropicClients() async throws {
        try await withGateway { _, client in
            let openAI = try await client.request(.GET, "/v1/models")
            #expect(openAI.json["object"] as? String == "list")
            let names = try #require(openAI.json["data"] as? [[String: Any]]).compactMap { $0["id"] as? String }.sorted()

            let all = try await client.request(.GET, "/v1/models?limit=1000", key: nil, headers: Self.headers)
            #expect(all.status == 200, "\(all.body)")
            let entries = try #require(all.json["data"] as? [[String: Any]])
            #expect(entries.compactMap { $0["id"] as? String } == names)
            #expect(entries.allSatisfy { $0["type"] as? String == "model" && $0["display_name"] as? String == $0["id"] as? String })
            let createdAt = try #require(entries.first?["created_at"] as? String)
            #expect(ISO8601DateFormatter().date(from: createdAt) != nil, "RFC 3339: \(createdAt)")
            #expect(all.json["has_more"] as? Bool == false)
            #expect(all.json["first_id"] as? String == names.first && all.json["last_id"] as? String == names.last)

            let first = try await client.request(.GET, "/v1/models", key: nil, headers: Self.headers)
            #expect((first.json["data"] as? [Any])?.count == 20, "20 by default")
            #expect(first.json["has_more"] as? Bool == true)
            let next = try await client.request(.GET, "/v1/models?limit=3&after_id=\(names[19])", key: nil, headers: Self.headers)
            #expect((next.json["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == Array(names[20..<23]))
            let previous = try await client.request(.GET, "/v1/models?limit=3&before_id=\(names[3])", key: nil, headers: Self.headers)
            #expect((previous.json["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == Array(names[0..<3]))
            #expect(previous.json["has_more"] as? Bool == false)

            let bad = try await client.request(.GET, "/v1/models?limit=0", key: nil, headers: Self.headers)
            #expect(bad.status == 400)
            #expect(bad.json["type"] as? String == "error" && bad.error["type"] as? String == "invalid_request_error")
        }
    }

    @Test func oneModelInEitherShape() async throws {
        try await withGateway { _, client in
            let anthropic = try await client.request(.GET, "/v1/models/stub-ok", key: nil, headers: Self.headers)
            #expect(anthropic.status == 200)
            #expect(anthropic.json["type"] as? String == "model" && anthropic.json["id"] as? String == "stub-ok")
            let openAI = try await client.request(.GET, "/v1/models/stub-ok")
            #expect(openAI.json["object"] as? String == "model" && openAI.json["id"] as? String == "stub-ok")
            let missing = try await client.request(.GET, "/v1/models/claude-nope", key: nil, headers: Self.headers)
            #expect(missing.status == 404 && missing.error["type"] as? String == "not_found_error")
            let missingOpenAI = try await client.request(.GET, "/v1/models/claude-nope")
            #expect(missingOpenAI.status == 404 && missingOpenAI.json["type"] == nil && missingOpenAI.error["code"] as? String == "model_not_found")
        }
    }
}
