import Foundation
import Testing

@Suite("Bad input and bad days, in the OpenAI error shape")
struct ErrorTests {
    @Test func malformedJSONIs400SayingWhere() async throws {
        try await withGateway { _, client in
            let reply = try await client.request(.POST, "/v1/chat/completions", body: "{\"model\":\"stub-ok\",\n \"messages\": [}")
            #expect(reply.status == 400)
            #expect(reply.error["type"] as? String == "invalid_request_error")
            #expect(reply.error["code"] as? String == "invalid_json")
            #expect((reply.error["message"] as? String)?.contains("line 2, column 15") == true)
            #expect(reply.error.keys.sorted() == ["code", "message", "param", "type"])
        }
    }

    @Test(arguments: [
        (#"{"messages":[]}"#, "model"),
        (#"{"model":"stub-ok"}"#, "messages"),
        (#"{"model":"stub-ok","messages":"hi"}"#, "messages"),
        (#"{"model":"stub-ok","messages":[],"stream":"yes"}"#, "stream"),
        (#"{"model":"stub-ok","messages":[],"max_tokens":-3}"#, "max_tokens"),
        (#"[1,2]"#, nil),
        ("", nil),
    ])
    func invalidRequestsAre400NamingTheParameter(body: String, param: String?) async throws {
        try await withGateway { harness, client in
            let reply = try await client.request(.POST, "/v1/chat/completions", body: body)
            #expect(reply.status == 400)
            #expect(reply.error["param"] as? String == param)
            #expect(harness.stub.received.isEmpty)
        }
    }

    @Test func aMissingOrWrongKeyIs401() async throws {
        try await withGateway { harness, client in
            let missing = try await client.chat(model: "stub-ok", key: nil)
            #expect(missing.status == 401)
            #expect(missing.error["code"] as? String == "missing_api_key")
            let wrong = try await client.chat(model: "stub-ok", key: "sk-wrong")
            #expect(wrong.status == 401)
            #expect(wrong.error["code"] as? String == "invalid_api_key")
            #expect(try await client.chat(model: "stub-ok", key: "sk-other").status == 200, "every configured key is accepted")
            #expect(harness.stub.received.count == 1)
        }
    }

    @Test func anUnknownModelIs404() async throws {
        try await withGateway { _, client in
            let reply = try await client.chat(model: "gpt-nope")
            #expect(reply.status == 404)
            #expect(reply.error["code"] as? String == "model_not_found")
            #expect(reply.error["param"] as? String == "model")
        }
    }

    @Test func aBodyOverTheLimitIs413() async throws {
        try await withGateway { harness, client in
            let huge = String(repeating: "x", count: 70 * 1024)
            let reply = try await client.chat(model: "stub-ok", extra: #","user":"\#(huge)""#)
            #expect(reply.status == 413)
            #expect(reply.error["code"] as? String == "request_too_large")
            #expect(harness.stub.received.isEmpty)
        }
    }

    @Test func anUpstream4xxIsPassedThroughWithItsMessage() async throws {
        try await withGateway { _, client in
            let reply = try await client.chat(model: "stub-error-400")
            #expect(reply.status == 400)
            #expect(reply.error["message"] as? String == "Invalid value for 'temperature': must be at most 2.")
            #expect(reply.error["param"] as? String == "temperature")
            #expect(reply.error["code"] as? String == "invalid_value")
        }
    }

    @Test func anUpstream429KeepsItsRetryAfter() async throws {
        try await withGateway { _, client in
            let reply = try await client.chat(model: "stub-rate-limited", stream: true)
            #expect(reply.status == 429)
            #expect(reply.headers.first(name: "retry-after") == "7")
            #expect(reply.error["code"] as? String == "rate_limit_exceeded")
        }
    }

    @Test func anUpstream5xxIs502WithoutTheUpstreamBody() async throws {
        try await withGateway { harness, client in
            let reply = try await client.chat(model: "stub-error-500")
            #expect(reply.status == 502)
            #expect(reply.error["type"] as? String == "upstream_error")
            let record = try #require(try await harness.waitForRecords(1).first)
            #expect(record.status == 502)
        }
    }

    @Test func anUnreachableUpstreamIs502() async throws {
        try await withGateway { _, client in
            let reply = try await client.chat(model: "refused")
            #expect(reply.status == 502)
            #expect((reply.error["message"] as? String)?.contains("cannot reach it") == true)
        }
    }

    @Test func anUpstreamThatAnswersNonJSONIs502() async throws {
        try await withGateway { _, client in
            let reply = try await client.chat(model: "stub-invalid-json")
            #expect(reply.status == 502)
            #expect((reply.error["message"] as? String)?.contains("not valid JSON") == true)
        }
    }

    @Test func aSlowFirstByteIs504ForAStreamAndForAPlainRequest() async throws {
        let settings = GatewayHarness.defaultSettings.replacingOccurrences(of: "request: 5s", with: "request: 1500ms")
        try await withGateway(settings: settings) { harness, client in
            let started = ContinuousClock.now
            let stream = try await client.chat(model: "stub-slow-head", stream: true)
            #expect(stream.status == 504)
            #expect((stream.error["message"] as? String)?.contains("first token") == true)
            #expect(ContinuousClock.now - started < .milliseconds(1900), "the first-token timeout, not the upstream's 2 s")
            let plain = try await client.chat(model: "stub-slow-head")
            #expect(plain.status == 504)
            #expect(plain.error["type"] as? String == "timeout_error")
        }
    }

    @Test func unknownRoutesAndMethodsGetTheErrorShapeToo() async throws {
        try await withGateway { _, client in
            let unknown = try await client.request(.GET, "/v2/whatever")
            #expect(unknown.status == 404)
            #expect(unknown.error["code"] as? String == "unknown_url")
        }
    }
}
