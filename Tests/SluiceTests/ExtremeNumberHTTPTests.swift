import AsyncHTTPClient
import Foundation
import NIOHTTP1
import SluiceCore
import SluiceServer
import SluiceStore
import Testing

/// Extreme numbers through a running gateway: in query parameters and admin bodies, in an
/// upstream's usage and `Retry-After`, in a model server's metrics. The gateway stays up and
/// answers 400 naming the field or a 200 with the number clamped, and the ledger holds the
/// clamped values.
@Suite("Extreme numbers from clients, upstreams and model servers, over HTTP")
struct ExtremeNumberHTTPTests {
    private func admin(_ client: TestClient, _ path: String, _ body: String? = nil, method: HTTPMethod = .POST) async throws -> TestClient.Reply {
        try await client.request(method, "/admin/" + path, body: body, key: GatewayHarness.adminKey)
    }

    /// A virtual key made through the admin API, with `fields` added to its body.
    private func makeKey(_ client: TestClient, _ fields: String = "") async throws -> (key: String, id: String) {
        let reply = try await self.admin(client, "keys", #"{"name":"numbers"\#(fields)}"#)
        try #require(reply.status == 201, "\(reply.body)")
        return (try #require(reply.json["key"] as? String), try #require(reply.json["id"] as? String))
    }

    @Test func usageAndSpendQueriesWithTimesAtTheEdgesAnswer() async throws {
        try await withGateway(settings: GatewayHarness.governanceSettings()) { _, client in
            let (key, _) = try await self.makeKey(client)
            #expect(try await client.chat(model: "stub-ok", key: key).status == 200)
            for path in ["/v1/usage?from=9223372036854775807", "/v1/usage?to=-9223372036854775808", "/v1/usage?from=-9223372036854775808&to=9223372036854775807"] {
                let reply = try await client.request(.GET, path, key: key)
                #expect(reply.status == 200, "\(path): \(reply.body)")
            }
            let everything = try await client.request(.GET, "/v1/usage?from=-9223372036854775808&to=9223372036854775807", key: key)
            #expect((everything.json["data"] as? [Any])?.count == 1, "saturated bounds still mean all of time")
            let future = try await client.request(.GET, "/v1/usage?from=9223372036854775807", key: key)
            #expect((future.json["data"] as? [Any])?.isEmpty == true)
            for path in ["usage?to=-9223372036854775807", "usage?from=9223372036854775807", "spend?from=-9223372036854775808&to=9223372036854775807", "spend?to=-1"] {
                let reply = try await self.admin(client, path, method: .GET)
                #expect(reply.status == 200, "\(path): \(reply.body)")
            }
            for (path, param) in [("usage?from=99999999999999999999", "from"), ("spend?to=1e400", "to"), ("usage?to=-0.5", "to"), ("usage?limit=9223372036854775808", "limit")] {
                let reply = try await self.admin(client, path, method: .GET)
                #expect(reply.status == 400, "\(path): \(reply.body)")
                #expect(reply.error["param"] as? String == param)
                #expect(reply.error["type"] as? String == "invalid_request_error")
            }
            #expect(try await client.chat(model: "stub-ok", key: key).status == 200, "the gateway is still up")
        }
    }

    @Test func keysWithLimitsAtTheEdgesAreRefusedOrServed() async throws {
        try await withGateway(settings: GatewayHarness.governanceSettings()) { _, client in
            let (key, _) = try await self.makeKey(client, #","requests_per_minute":9223372036854775807,"tokens_per_minute":9223372036854775807"#)
            let reply = try await client.chat(model: "stub-ok", extra: #","max_tokens":2147483647"#, key: key)
            #expect(reply.status == 200, "\(reply.body)")
            #expect(reply.headers.first(name: "x-ratelimit-limit-tokens") == "9223372036854775807")

            let (tight, _) = try await self.makeKey(client, #","tokens_per_minute":1"#)
            let refused = try await client.chat(model: "stub-ok", extra: #","max_tokens":2147483647"#, key: tight)
            #expect(refused.status == 429, "\(refused.body)")
            let retryAfter = try #require(refused.headers.first(name: "retry-after").flatMap { Int($0) })
            #expect(retryAfter > 0)

            for (fields, param) in [(#","requests_per_minute":-9223372036854775808"#, "requests_per_minute"), (#","tokens_per_minute":0"#, "tokens_per_minute")] {
                let bad = try await self.admin(client, "keys", #"{"name":"bad"\#(fields)}"#)
                #expect(bad.status == 400, "\(bad.body)")
                #expect(bad.error["param"] as? String == param)
            }
            for fields in [#","tokens_per_minute":1e400"#, #","requests_per_minute":9223372036854775808"#, #","expires_at":1.5e308"#] {
                #expect(try await self.admin(client, "keys", #"{"name":"bad"\#(fields)}"#).status == 400, "\(fields)")
            }
            let (_, id) = try await self.makeKey(client)
            for limit in ["1e308", "-0", "-5", "1e400"] {
                let budget = try await self.admin(client, "budgets", #"{"scope":"key","scope_id":"\#(id)","unit":"usd","period":"day","limit":\#(limit)}"#)
                #expect(budget.status == 400, "\(limit): \(budget.body)")
            }
            #expect(try await client.chat(model: "stub-ok", key: key).status == 200, "the gateway is still up")
        }
    }

    /// `stub-numbers` answers with the usage the request names, verbatim.
    private func chat(_ client: TestClient, model: String = "stub-numbers", usage: String, stream: Bool, key: String) async throws -> TestClient.Reply {
        let quoted = String(decoding: try JSONSerialization.data(withJSONObject: usage, options: .fragmentsAllowed), as: UTF8.self)
        return try await client.chat(model: model, stream: stream, extra: #","stream_options":{"include_usage":true},"stub_usage":\#(quoted)"#, key: key)
    }

    @Test func extremeUsageFromAnUpstreamIsClampedInTheLedger() async throws {
        try await withGateway(settings: GatewayHarness.governanceSettings()) { harness, client in
            let (key, id) = try await self.makeKey(client)
            let cap = Usage.maximumCount
            let cases: [(usage: String, expected: (Int, Int, Int))] = [
                (#"{"prompt_tokens":9223372036854775807,"completion_tokens":9223372036854775807,"total_tokens":-2,"prompt_tokens_details":{"cached_tokens":9223372036854775807}}"#, (cap, cap, cap)),
                (#"{"prompt_tokens":-9223372036854775808,"completion_tokens":-1,"prompt_tokens_details":{"cached_tokens":-0}}"#, (0, 0, 0)),
                (#"{"prompt_tokens":1e400,"completion_tokens":1.5,"prompt_tokens_details":{"cached_tokens":1e308}}"#, (0, 0, 0)),
                (#"{"prompt_tokens":99999999999999999999999,"completion_tokens":100000000000000000,"prompt_tokens_details":{"cached_tokens":7}}"#, (cap, cap, 7)),
                (#""lots""#, (0, 0, 0)),
            ]
            for stream in [false, true] {
                for (usage, _) in cases {
                    let reply = try await self.chat(client, usage: usage, stream: stream, key: key)
                    #expect(reply.status == 200, "\(usage): \(reply.body)")
                }
            }
            await harness.governance?.flushLedger()
            let rows = try #require(try await harness.governance?.store.usage(UsageQuery(keyID: id, limit: 1000)))
            #expect(rows.count == 2 * cases.count)
            let seen = rows.map { ($0.promptTokens, $0.completionTokens, $0.cachedTokens) }
            for (usage, expected) in cases {
                #expect(seen.filter { $0 == expected }.count >= 2, "\(usage) is recorded as \(expected), whole and streamed; rows: \(seen)")
            }
            for row in rows {
                #expect(row.costMicroUSD >= 0 && row.costMicroUSD <= RequestRecord.maximumCostMicroUSD)
            }
            #expect(try await client.chat(model: "stub-ok", key: key).status == 200, "the gateway is still up")
        }
    }

    @Test func aPriceFarOutOfRangeCostsTheLargestAmountNotACrash() async throws {
        try await withGateway(settings: GatewayHarness.governanceSettings()) { harness, client in
            let (key, id) = try await self.makeKey(client)
            for stream in [false, true] {
                let reply = try await self.chat(client, model: "stub-numbers-priceless", usage: StubShapes.streamUsage, stream: stream, key: key)
                #expect(reply.status == 200, "\(reply.body)")
            }
            await harness.governance?.flushLedger()
            let rows = try #require(try await harness.governance?.store.usage(UsageQuery(keyID: id, limit: 1000)))
            #expect(rows.map(\.costMicroUSD) == [RequestRecord.maximumCostMicroUSD, RequestRecord.maximumCostMicroUSD])
            let spend = try await self.admin(client, "spend", method: .GET)
            #expect(spend.status == 200, "sums of the largest costs stay in range: \(spend.body)")
        }
    }

    @Test func anUpstreamsRetryAfterReachesTheClientWithinRange() async throws {
        // Every answer is a 429: the breaker must not open on them within this test.
        try await withGateway(settings: GatewayHarness.defaultSettings + "resilience: { breaker: { failures: 1000 } }\n") { _, client in
            let cases: [(String, String?)] = [
                ("99999999999999999999999", "86400"), ("9223372036854775807", "86400"), ("1.5", "2"), ("-5", nil), ("1e400", nil), ("NaN", nil), ("7", "7"),
            ]
            for (sent, expected) in cases {
                let reply = try await client.chat(model: "stub-numbers", extra: #","stub_retry_after":"\#(sent)""#)
                #expect(reply.status == 429, "\(reply.body)")
                #expect(reply.headers.first(name: "retry-after") == expected, "upstream sent \(sent)")
                #expect(reply.error["code"] as? String == "rate_limit_exceeded")
            }
        }
    }

    @Test func aModelServersBrokenMetricsAreClampedAndRoutingGoesOn() async throws {
        try await withGateway(settings: GatewayHarness.defaultSettings + "resilience: { metrics_interval: 200ms }\n") { _, client in
            let expected = #""model":"measured-extreme","deployment":"openai:ok","state":"closed","in_flight":0,"outstanding_tokens":0,"latency_ms":0,"waiting":1000000,"kv_cache_usage":1.0"#
            var ready = ""
            for _ in 0..<500 where !ready.contains(expected) {
                try await Task.sleep(for: .milliseconds(20))
                ready = try await client.request(.GET, "/ready", key: nil).body
            }
            #expect(ready.contains(expected), "\(ready)")
            #expect(try await client.chat(model: "measured-extreme").status == 200)
        }
    }

    @Test func theMockRefusesWhatOpenAIRefusesInOpenAIsWords() async throws {
        try await withGateway { _, client in
            let supported = "'system', 'assistant', 'user', 'function', 'tool', and 'developer'"
            let cases: [(messages: String, message: String, param: String, code: String)] = [
                (#"[{"role":"wizard","content":"hi"}]"#, "Invalid value: 'wizard'. Supported values are: \(supported).", "messages[0].role", "invalid_value"),
                (#"[{"role":"user","content":"hi"},{"role":"user"}]"#, "Missing required parameter: 'messages[1].content'.", "messages[1].content", "missing_required_parameter"),
                (#"[{"content":"hi"}]"#, "Missing required parameter: 'messages[0].role'.", "messages[0].role", "missing_required_parameter"),
                (#"[]"#, "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", "messages", "empty_array"),
                (#"["hi"]"#, "Invalid type for 'messages[0]': expected an object, but got a string instead.", "messages[0]", "invalid_type"),
                (#"[{"role":"user","content":5}]"#, "Invalid type for 'messages[0].content': expected one of a string or array of objects, but got an integer instead.", "messages[0].content", "invalid_type"),
                (#"[{"role":"user","content":null}]"#, "Invalid type for 'messages[0].content': expected one of a string or array of objects, but got null instead.", "messages[0].content", "invalid_type"),
                (#"[{"role":7,"content":"hi"}]"#, "Invalid type for 'messages[0].role': expected a string, but got an integer instead.", "messages[0].role", "invalid_type"),
                (#"[{"role":"tool","content":"42"}]"#, "Missing required parameter: 'messages[0].tool_call_id'.", "messages[0].tool_call_id", "missing_required_parameter"),
            ]
            for stream in [false, true] {
                for (messages, message, param, code) in cases {
                    let body = #"{"model":"demo","messages":\#(messages),"stream":\#(stream)}"#
                    let reply = try await client.request(.POST, "/v1/chat/completions", body: body)
                    #expect(reply.status == 400, "\(messages): \(reply.body)")
                    #expect(reply.error["message"] as? String == message)
                    #expect(reply.error["param"] as? String == param)
                    #expect(reply.error["code"] as? String == code)
                    #expect(reply.error["type"] as? String == "invalid_request_error")
                }
            }
            let conversation = #"""
                [{"role":"developer","content":"Be brief."},{"role":"user","content":[{"type":"text","text":"Weather?"}]},
                 {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"weather","arguments":"{}"}}]},
                 {"role":"tool","tool_call_id":"call_1","content":"sunny"}]
                """#
            let accepted = try await client.request(.POST, "/v1/chat/completions", body: #"{"model":"demo","messages":\#(conversation)}"#)
            #expect(accepted.status == 200, "\(accepted.body)")
        }
    }
}
