import AsyncHTTPClient
import Foundation
import NIOCore
import SluiceCore
import Testing

@testable import SluiceServer

/// Anthropic Messages requests to Anthropic deployments pass through natively: the request as the
/// client wrote it (only `model` changed, its `anthropic-version` and `anthropic-beta` along), the
/// answer as Anthropic sent it (only `model` changed), usage with cache reads and writes priced
/// apart; a fallback to a deployment of another kind goes through OpenAI's form.
@Suite("Native Anthropic passthrough, over HTTP")
struct NativePassthroughTests {
    /// A request using what only Anthropic's API has: cache breakpoints with and without a TTL on
    /// system and message blocks, extended thinking, a document with citations, an image,
    /// metadata, a server tool and `top_k`; `model` is not first, and the layout, escapes and
    /// number spellings are unusual, so that any re-encoding shows.
    static func featureBody(stream: Bool, model: String = "claude-native", maxTokens: Int = 2048) -> String {
        """
        {  "max_tokens":\(maxTokens) ,
          "system" : [ {"type": "text", "text": "You answer from the document.\\n\\u00e9t\\u00e9 \\/ caf\u{e9}",
                        "cache_control": {"ttl": "1h", "type": "ephemeral"}} ],
          "thinking":{"budget_tokens":1024,"type":"enabled"},
          "model"	:  "\(model)",
          "metadata": {"user_id": "user-7f3a9c"}, "top_k": 5,
          "tools": [{"type": "web_search_20250305", "name": "web_search", "max_uses": 2, "allowed_domains": ["example.com"]}],
          "messages": [
            {"role": "user", "content": [
              {"type": "document", "title": "About Sluice", "citations": {"enabled": true},
               "source": {"type": "text", "media_type": "text/plain", "data": "Sluice is a gateway for language models. It relays requests."},
               "cache_control": {"type": "ephemeral", "ttl": "1h"}},
              {"type": "image", "source": {"type": "base64", "media_type": "image/png",
               "data": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="}},
              {"type": "text", "text": "What is Sluice? Cite the document.", "cache_control": {"type": "ephemeral"}},
              {"type": "text", "text": "Answer in one sentence."}
            ]}
          ],
          "stream" : \(stream)
        }\t

        """
    }

    /// A request a deployment of another kind can take in OpenAI's form: cache breakpoints, thinking,
    /// an image, metadata and `top_k`, but no document or server tool.
    static func translatableBody(stream: Bool, model: String) -> String {
        """
        {"model": "\(model)", "max_tokens": 2048, "stream": \(stream), "top_k": 5,
         "metadata": {"user_id": "user-7f3a9c"},
         "thinking": {"type": "enabled", "budget_tokens": 1024},
         "system": [{"type": "text", "text": "You are brief.", "cache_control": {"type": "ephemeral", "ttl": "1h"}}],
         "messages": [{"role": "user", "content": [
           {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="}},
           {"type": "text", "text": "Describe the image.", "cache_control": {"type": "ephemeral"}}]}]}
        """
    }

    static let version = "2023-01-01"
    static let betas = "extended-cache-ttl-2025-04-11, interleaved-thinking-2025-05-14,files-api-2025-04-14"

    /// Sends `body` as an Anthropic client would, with ``version`` and ``betas``.
    private func messages(_ client: TestClient, _ body: String) async throws -> TestClient.Reply {
        let headers = ["x-api-key": "sk-test", "anthropic-version": Self.version, "anthropic-beta": Self.betas]
        return try await client.request(.POST, "/v1/messages", body: body, key: nil, headers: headers)
    }

    // MARK: - The request

    @Test(arguments: [false, true])
    func theRequestReachesAnthropicAsTheClientWroteItButForModel(stream: Bool) async throws {
        try await withNativeGateway { _, client, upstream in
            let body = Self.featureBody(stream: stream)
            let reply = try await self.messages(client, body)
            #expect(reply.status == 200, "\(reply.body)")
            let received = try #require(upstream.received.first)
            #expect(upstream.received.count == 1)
            let expected = body.replacingOccurrences(of: #""claude-native""#, with: #""claude-cached""#)
            #expect(received.text == expected, "only model may change")
            #expect(received.body == Array(expected.utf8))
        }
    }

    @Test func theClientsAnthropicHeadersReachAnthropicAndItsKeyDoesNot() async throws {
        try await withNativeGateway { _, client, upstream in
            let reply = try await self.messages(client, Self.featureBody(stream: false))
            #expect(reply.status == 200, "\(reply.body)")
            let received = try #require(upstream.received.first)
            #expect(received.headers.filter { $0.name.canonicalName == "anthropic-version" }.map(\.value) == [Self.version])
            #expect(received.headers.filter { $0.name.canonicalName == "anthropic-beta" }.map(\.value) == [Self.betas])
            #expect(received.header("x-api-key") == NativeGatewayModels.apiKey)
            #expect(received.header("authorization") == nil)

            // Without the client's version, the deployment's own goes.
            let plain = try await client.request(.POST, "/v1/messages", body: Self.featureBody(stream: false), key: nil, headers: ["x-api-key": "sk-test"])
            #expect(plain.status == 200, "\(plain.body)")
            let unversioned = try #require(upstream.received.last)
            #expect(unversioned.header("anthropic-version") == "2023-06-01")
            #expect(unversioned.header("anthropic-beta") == nil)

            // Betas on several header lines arrive as one list, in order.
            var request = HTTPClientRequest(url: client.baseURL + "/v1/messages")
            request.method = .POST
            request.headers.add(contentsOf: [("x-api-key", "sk-test"), ("content-type", "application/json"), ("anthropic-version", Self.version)])
            request.headers.add(contentsOf: [("anthropic-beta", "extended-cache-ttl-2025-04-11"), ("anthropic-beta", "interleaved-thinking-2025-05-14, files-api-2025-04-14")])
            request.body = .bytes(ByteBuffer(string: Self.featureBody(stream: false)))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            _ = try await response.body.collect(upTo: 1 << 20)
            #expect(response.status == .ok)
            let betas = try #require(upstream.received.last?.header("anthropic-beta"))
            #expect(betas.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } == ["extended-cache-ttl-2025-04-11", "interleaved-thinking-2025-05-14", "files-api-2025-04-14"])
        }
    }

    // MARK: - The answer and its usage

    @Test(arguments: [false, true])
    func theAnswerComesBackAsAnthropicSentItWithCacheUsagePricedApart(stream: Bool) async throws {
        try await withNativeGateway { harness, client, upstream in
            // The first request writes the cache, the second reads it.
            for round in 0..<2 {
                let reply = try await self.messages(client, Self.featureBody(stream: stream))
                #expect(reply.status == 200, "\(reply.body)")
                let sent = try #require(upstream.sent.last)
                #expect(upstream.sent.count == round + 1)
                #expect(sent.stream == stream)
                let served = "\"\(StubAnthropicFeatures.servedModel("claude-cached"))\""
                #expect(sent.body.components(separatedBy: served).count == 2, "the stub names its model once")
                #expect(reply.body == sent.body.replacingOccurrences(of: served, with: #""claude-native""#), "only model may change")
                #expect(reply.headers.first(name: "content-type")?.hasPrefix(stream ? "text/event-stream" : "application/json") == true)
            }
            let records = try await harness.waitForRecords(2)
            try #require(records.count == 2)
            let usages = try upstream.sent.map { try Self.stubUsage($0) }
            #expect(usages[0].write5m > 0 && usages[0].write1h > 0 && usages[0].read == 0, "the first request writes both lifetimes")
            #expect(usages[1].read == usages[0].write5m + usages[0].write1h && usages[1].write5m + usages[1].write1h == 0, "the second reads them")
            #expect(usages.allSatisfy { $0.input > 0 && $0.output > 0 })
            for (record, usage) in zip(records, usages) {
                #expect(record.status == 200)
                #expect(record.model == "claude-native")
                #expect(record.deployment == "anthropic:claude-cached")
                #expect(record.stream == stream)
                #expect(record.usage == Usage(uncachedInput: usage.input, cacheRead: usage.read, cacheWrite: usage.write5m + usage.write1h, oneHourCacheWrite: usage.write1h, output: usage.output))
                // $3 input, $0.30 cache reads, $3.75 five-minute and $6 one-hour writes, $15 output per million.
                let cost = (Double(usage.input) * 3 + Double(usage.read) * 0.3 + Double(usage.write5m) * 3.75 + Double(usage.write1h) * 6 + Double(usage.output) * 15) / 1e6
                #expect(abs(record.cost - cost) < 1e-12, "cost \(record.cost), expected \(cost)")
            }
            #expect(records[1].cost < records[0].cost, "cache reads cost less than writes")
        }
    }

    @Test func theUsageFollowsThePromptAndTheOutputLimit() async throws {
        try await withNativeGateway { harness, client, _ in
            let short = #"{"model":"claude-native","max_tokens":3,"messages":[{"role":"user","content":"Hi"}]}"#
            let long = #"{"model":"claude-native","max_tokens":64,"messages":[{"role":"user","content":"\#(String(repeating: "Tell me more. ", count: 40))"}]}"#
            for body in [short, long] {
                let reply = try await self.messages(client, body)
                #expect(reply.status == 200, "\(reply.body)")
            }
            let records = try await harness.waitForRecords(2)
            try #require(records.count == 2)
            let (first, second) = (try #require(records[0].usage), try #require(records[1].usage))
            #expect(first.completionTokens == 3, "cut at max_tokens")
            #expect(second.completionTokens == StubAnthropicFeatures.naturalWords)
            #expect(second.promptTokens > first.promptTokens * 10)
            #expect(first.cachedPromptTokens == 0 && first.cacheWritePromptTokens == 0, "no cache_control, no cache")
        }
    }

    // MARK: - Falling back to another kind

    @Test(arguments: ["claude-fallback", "claude-retried"], [false, true])
    func aFallbackToAnOpenAICompatibleDeploymentIsTranslated(model: String, stream: Bool) async throws {
        try await withNativeGateway { harness, client, upstream in
            let reply = try await self.messages(client, Self.translatableBody(stream: stream, model: model))
            #expect(reply.status == 200, "\(reply.body)")
            #expect(upstream.received.count == 1, "the Anthropic deployment was tried first")
            // A fallback model names itself; a second deployment of the same model answers under its name.
            let served = model == "claude-fallback" ? "stub-metered" : model
            #expect(upstream.received.first?.json["thinking"] != nil, "and sent the request as written")

            let openAI = try #require(harness.stub.received.last)
            #expect(openAI.path == "/v1/chat/completions")
            let sent = openAI.request.json
            #expect(sent["model"] as? String == "metered")
            let messages = try #require(sent["messages"] as? [[String: Any]])
            #expect(messages.map { $0["role"] as? String } == ["system", "user"])
            #expect(StubShapes.text(ofContent: messages[0]["content"]) == "You are brief.")
            let parts = try #require(messages[1]["content"] as? [[String: Any]])
            #expect(parts.map { $0["type"] as? String } == ["image_url", "text"])
            #expect(sent["reasoning_effort"] as? String == "low")
            #expect(sent["user"] as? String == "user-7f3a9c")
            #expect(sent["max_tokens"] as? Int == 2048 || sent["max_completion_tokens"] as? Int == 2048)
            for member in ["thinking", "metadata", "system"] { #expect(sent[member] == nil, "\(member) has an OpenAI form") }
            #expect(!openAI.body.contains("cache_control"), "cache_control has no OpenAI form")

            if stream {
                let names = reply.body.split(separator: "\n").filter { $0.hasPrefix("event: ") }.map { String($0.dropFirst(7)) }
                #expect(names.first == "message_start")
                #expect(names.last == "message_stop")
                let start = try #require(Self.events(reply.body).first?.data["message"] as? [String: Any])
                #expect(start["model"] as? String == served, "the answer names the model that gave it")
                let text = Self.events(reply.body).compactMap { ($0.data["delta"] as? [String: Any])?["text"] as? String }.joined()
                #expect(text.count == 2048 * 4 && text.split(separator: " ").allSatisfy { $0 == "tok" }, "the answer has the 2048 words asked for")
            } else {
                let message = reply.json
                #expect(message["type"] as? String == "message")
                #expect(message["role"] as? String == "assistant")
                #expect(message["model"] as? String == served, "the answer names the model that gave it")
                #expect(message["stop_reason"] as? String == "max_tokens")
                let content = try #require(message["content"] as? [[String: Any]])
                #expect(content.map { $0["type"] as? String } == ["text"])
                #expect((message["usage"] as? [String: Any])?["output_tokens"] as? Int == 2048)
            }
            let record = try #require(try await harness.waitForRecords(1).first)
            #expect(record.status == 200)
            #expect(record.deployment == "openai:metered")
            #expect(record.attempts == 2)
            #expect(record.usage?.completionTokens == 2048)
        }
    }

    /// A request with what only Anthropic's API carries (a document, a server tool) cannot be put
    /// in OpenAI's form: the deployments that would need it are passed over, and when the ones
    /// that can carry it fail, the client gets their failure, not a refusal of its request.
    @Test(arguments: [false, true])
    func aRequestOnlyAnthropicCanCarryPassesOverDeploymentsThatCannotCarryIt(stream: Bool) async throws {
        try await withNativeGateway { harness, client, upstream in
            // The model's cheaper deployment is OpenAI-compatible; its Anthropic one serves the request.
            let mixed = try await self.messages(client, Self.featureBody(stream: stream, model: "claude-mixed"))
            #expect(mixed.status == 200, "\(mixed.body)")
            #expect(upstream.received.count == 1)
            #expect(upstream.sent.first.map { mixed.body.contains($0.body.prefix(10)) } == true)
            // The Anthropic deployment fails; its fallback cannot take the request.
            let failed = try await self.messages(client, Self.featureBody(stream: stream, model: "claude-fallback"))
            #expect(failed.status == 502, "\(failed.body)")
            #expect((failed.json["error"] as? [String: Any])?["type"] as? String == "api_error")
            #expect(upstream.received.count == 2)
            #expect(harness.stub.received.isEmpty, "nothing reaches the OpenAI-compatible deployments")

            let records = try await harness.waitForRecords(2)
            try #require(records.count == 2)
            #expect(records[0].status == 200 && records[0].deployment == "anthropic:claude-cached")
            #expect(records[1].status == 502)
            #expect(records[0].attempts == 1, "the OpenAI-compatible deployment was passed over")
            #expect(records[1].attempts == 1, "the failed request counts the Anthropic deployment it tried")
        }
    }

    // MARK: - Errors mid-stream

    @Test func anErrorEventMidStreamReachesTheClientAsAnAnthropicErrorAndTheLedgerAsAFailure() async throws {
        try await withNativeGateway { harness, client, upstream in
            let body = #"{"model":"claude-overloaded","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"Say hello"}]}"#
            let reply = try await self.messages(client, body)
            #expect(reply.status == 200)
            let sent = try #require(upstream.sent.first)
            let served = "\"\(StubAnthropicFeatures.servedModel("claude-overloaded"))\""
            let beforeError = try #require(sent.body.components(separatedBy: "event: error\n").first).replacingOccurrences(of: served, with: #""claude-overloaded""#)
            #expect(reply.body.hasPrefix(beforeError), "the events before the error arrive as sent")
            let rest = reply.body.dropFirst(beforeError.count)
            #expect(rest.hasPrefix("event: error\ndata: "), "then one error event: \(rest)")
            #expect(rest.hasSuffix("\n\n") && rest.components(separatedBy: "\n\n").filter { !$0.isEmpty }.count == 1, "and nothing after it")
            #expect(!reply.body.contains("message_stop"))
            let last = try #require(Self.events(reply.body).last)
            #expect(last.name == "error")
            let error = last.data
            #expect(error["type"] as? String == "error")
            let detail = try #require(error["error"] as? [String: Any])
            #expect(detail["type"] as? String == "overloaded_error", "the upstream's error type is kept: SDKs retry on it")
            #expect((detail["message"] as? String)?.contains("Overloaded") == true, "\(detail)")

            let record = try #require(try await harness.waitForRecords(1).first)
            #expect(record.status >= 500)
            #expect(record.errorCode == "overloaded_error")
            let input = try Self.stubUsage(StubAnthropicFeatures.Sent(stream: true, body: beforeError), usageOf: "message_start").input
            #expect(record.usage == Usage(promptTokens: input, completionTokens: 2), "the input Anthropic reported and the two words that reached the client are billed")
        }
    }

    @Test func anOverloadedAnthropicAnswersTheClientInAnthropicsShapeWithItsType() async throws {
        try await withNativeGateway { harness, client, _ in
            let body = #"{"model":"claude-overloaded","max_tokens":64,"messages":[{"role":"user","content":"Say hello"}]}"#
            let reply = try await self.messages(client, body)
            #expect(reply.status >= 500, "a status SDKs retry")
            #expect(reply.json["type"] as? String == "error")
            #expect((reply.json["error"] as? [String: Any])?["type"] as? String == "overloaded_error")
            let record = try #require(try await harness.waitForRecords(1).first)
            #expect(record.status == reply.status)
            #expect(record.errorCode == "overloaded_error")
        }
    }

    // MARK: - Helpers

    /// The events of an Anthropic stream: each one's name and data.
    static func events(_ body: String) -> [(name: String, data: [String: Any])] {
        body.components(separatedBy: "\n\n").compactMap { event in
            let lines = event.split(separator: "\n")
            guard let name = lines.first(where: { $0.hasPrefix("event: ") }), let data = lines.first(where: { $0.hasPrefix("data: ") }),
                let object = try? JSONSerialization.jsonObject(with: Data(String(data.dropFirst(6)).utf8)) as? [String: Any]
            else { return nil }
            return (String(name.dropFirst(7)), object)
        }
    }

    /// The counts of a reply of the stub: its message's `usage`, or those of its stream's last `eventName` event.
    static func stubUsage(
        _ sent: StubAnthropicFeatures.Sent, usageOf eventName: String = "message_delta"
    ) throws -> (input: Int, read: Int, write5m: Int, write1h: Int, output: Int) {
        let usage: [String: Any]
        if sent.stream {
            let event = try #require(Self.events(sent.body).last { $0.name == eventName }?.data)
            usage = try #require((eventName == "message_start" ? event["message"] as? [String: Any] : event)?["usage"] as? [String: Any])
        } else {
            let message = try #require(try JSONSerialization.jsonObject(with: Data(sent.body.utf8)) as? [String: Any])
            usage = try #require(message["usage"] as? [String: Any])
        }
        let breakdown = usage["cache_creation"] as? [String: Any] ?? [:]
        let (write5m, write1h) = (breakdown["ephemeral_5m_input_tokens"] as? Int ?? 0, breakdown["ephemeral_1h_input_tokens"] as? Int ?? 0)
        #expect(usage["cache_creation_input_tokens"] as? Int == write5m + write1h)
        return (usage["input_tokens"] as? Int ?? 0, usage["cache_read_input_tokens"] as? Int ?? 0, write5m, write1h, usage["output_tokens"] as? Int ?? 0)
    }
}
