import AsyncHTTPClient
import Foundation
import Testing

@testable import SluiceServer

/// The requests Claude Code (2.1, headless and through its agent SDK) sends to a gateway named
/// by `ANTHROPIC_BASE_URL`, as it sends them: messages and token counts on paths ending in
/// `?beta=true`, its `anthropic-beta` list, the SDK's own headers, and bodies with cache
/// breakpoints (with and without `ttl`), extended or adaptive thinking, `context_management`,
/// `output_config`, deferred tools, a JSON string as `metadata.user_id`, a `system` turn in
/// `messages`, and a tool loop's thinking, `tool_use` and `tool_result` blocks. An Anthropic
/// deployment gets each body with only `model` changed.
@Suite("Claude Code's request shapes, over HTTP")
struct ClaudeCodeShapesTests {
    static let betas =
        "claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27,thinking-token-count-2026-05-13,advanced-tool-use-2025-11-20,extended-cache-ttl-2025-04-11"

    /// Every header Claude Code sends with a request, its key as `x-api-key` (`ANTHROPIC_API_KEY`).
    static let headers: [String: String] = [
        "accept": "application/json",
        "user-agent": "claude-cli/2.1.337 (external, sdk-cli)",
        "x-claude-code-session-id": "139e1e3b-5664-4f12-9787-e0d0423d8751",
        "x-stainless-arch": "x64", "x-stainless-lang": "js", "x-stainless-os": "Linux", "x-stainless-package-version": "0.128.0",
        "x-stainless-retry-count": "0", "x-stainless-runtime": "node", "x-stainless-runtime-version": "v26.12.1", "x-stainless-timeout": "600",
        "anthropic-beta": betas,
        "anthropic-dangerous-direct-browser-access": "true",
        "anthropic-version": "2023-06-01",
        "x-api-key": "sk-test",
        "x-app": "cli",
        "accept-encoding": "gzip, deflate, br, zstd",
    ]

    static let tools =
        #"[{"name":"Bash","description":"Executes a given bash command","input_schema":{"type":"object","properties":{"command":{"type":"string"}},"required":["command"]}},{"name":"DeferredToolPlaceholder","description":"Reserved placeholder that keeps deferred tools","input_schema":{"type":"object","properties":{}},"defer_loading":true}]"#
    static let system =
        #"[{"type":"text","text":"x-anthropic-billing-header: cc_version=2.1.337"},{"type":"text","text":"You are a Claude agent.","cache_control":{"type":"ephemeral","ttl":"1h"}},{"type":"text","text":"\nYou are an agent working with the user in a terminal.","cache_control":{"type":"ephemeral","ttl":"1h"}}]"#
    static let metadata = #"{"user_id":"{\"device_id\":\"d1ec38be1fe8\",\"account_uuid\":\"\",\"session_id\":\"608e9afc-2e0a-46c5-9c71-90d30b02129c\"}"}"#

    /// A conversation's first turn, for a model Claude Code knows (extended thinking).
    static func firstTurn(model: String, stream: Bool) -> String {
        #"{"model":"\#(model)","messages":[{"role":"user","content":[{"type":"text","text":"<system-reminder>\nContext.\n</system-reminder>"},{"type":"text","text":"say hi","cache_control":{"type":"ephemeral","ttl":"1h"}}]}],"system":\#(system),"tools":\#(tools),"metadata":\#(metadata),"max_tokens":32000,"thinking":{"budget_tokens":31999,"type":"enabled","display":"omitted"},"context_management":{"edits":[{"type":"clear_thinking_20251015","keep":"all"}]},"stream":\#(stream)}"#
    }

    /// The turn after a tool call, as Claude Code sends it for a model it does not know: adaptive
    /// thinking, an effort, and a `system` turn inside `messages`.
    static func toolResultTurn(model: String, stream: Bool) -> String {
        #"{"model":"\#(model)","messages":[{"role":"user","content":[{"type":"text","text":"run echo"}]},{"role":"system","content":[{"type":"text","text":"Environment:\nPlatform: linux"}]},{"role":"assistant","content":[{"type":"thinking","thinking":"I should run it.","signature":"c2lnbmF0dXJl"},{"type":"tool_use","id":"toolu_01","name":"Bash","input":{"command":"echo tool-ran","description":"echo"}}]},{"role":"user","content":[{"tool_use_id":"toolu_01","type":"tool_result","content":"tool-ran\n","is_error":false,"cache_control":{"type":"ephemeral","ttl":"1h"}}]}],"system":\#(system),"tools":\#(tools),"metadata":\#(metadata),"max_tokens":32000,"thinking":{"type":"adaptive","display":"omitted"},"context_management":{"edits":[{"type":"clear_thinking_20251015","keep":"all"}]},"output_config":{"effort":"high"},"stream":\#(stream)}"#
    }

    @Test(arguments: [false, true])
    func messagesWithBetaQueryPassThroughAsSentButForModel(stream: Bool) async throws {
        try await withNativeGateway { _, client, upstream in
            for body in [Self.firstTurn(model: "claude-native", stream: stream), Self.toolResultTurn(model: "claude-native", stream: stream)] {
                let reply = try await client.request(.POST, "/v1/messages?beta=true", body: body, key: nil, headers: Self.headers)
                #expect(reply.status == 200, "\(reply.body)")
                #expect(reply.headers.first(name: "content-type")?.hasPrefix(stream ? "text/event-stream" : "application/json") == true)
                if stream { #expect(reply.body.contains("event: message_stop")) }
                let received = try #require(upstream.received.last)
                #expect(received.path == "/v1/messages")
                #expect(received.text == body.replacingOccurrences(of: #""model":"claude-native""#, with: #""model":"claude-cached""#), "only model may change")
                #expect(received.header("anthropic-beta") == Self.betas)
                #expect(received.header("anthropic-version") == "2023-06-01")
                #expect(received.header("x-api-key") == NativeGatewayModels.apiKey)
                for name in ["x-app", "x-claude-code-session-id", "anthropic-dangerous-direct-browser-access", "x-stainless-lang", "accept-encoding"] {
                    #expect(received.header(name) == nil, "\(name) is the client's own")
                }
            }
            #expect(upstream.received.count == 2)
        }
    }

    @Test func countTokensWithBetaQueryReachesTheAnthropicDeployment() async throws {
        try await withNativeGateway { harness, client, _ in
            let body = #"{"model":"anthropic-ok","messages":[{"role":"user","content":"foo"}],"tools":[]}"#
            var headers = Self.headers
            headers["anthropic-beta"] = "claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27,token-counting-2024-11-01"
            let reply = try await client.request(.POST, "/v1/messages/count_tokens?beta=true", body: body, key: nil, headers: headers)
            #expect(reply.status == 200, "\(reply.body)")
            #expect(reply.body == #"{"input_tokens":14}"#)
            let received = try #require(harness.anthropicStub.received.last)
            #expect(received.path == "/v1/messages/count_tokens")
            #expect(received.body == #"{"model":"ok","messages":[{"role":"user","content":"foo"}],"tools":[]}"#)
        }
    }

    /// With `CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY`, Claude Code lists the gateway's models
    /// and keeps those whose `id` names Claude.
    @Test func modelDiscoveryListsTheModelsById() async throws {
        try await withNativeGateway { _, client, _ in
            let headers = ["x-api-key": "sk-test", "anthropic-version": "2023-06-01", "user-agent": "claude-cli/2.1.337 (external, sdk-cli)"]
            let reply = try await client.request(.GET, "/v1/models?limit=1000", key: nil, headers: headers)
            #expect(reply.status == 200, "\(reply.body)")
            let data = try #require(reply.json["data"] as? [[String: Any]])
            #expect(data.contains { $0["id"] as? String == "claude-native" })
        }
    }

    @Test func anUnknownModelIsNotFoundInAnthropicsShape() async throws {
        try await withNativeGateway { _, client, _ in
            let reply = try await client.request(.POST, "/v1/messages?beta=true", body: Self.firstTurn(model: "claude-opus-5-5", stream: true), key: nil, headers: Self.headers)
            #expect(reply.status == 404)
            #expect(reply.json["type"] as? String == "error")
            #expect(reply.error["type"] as? String == "not_found_error")
        }
    }
}
