import Foundation
import NIOHTTP1
import SluiceCore
import SluiceRoutingSimulation
import SluiceTranslation
import Testing

/// Every number the gateway reads from a request body, at the extremes, on every endpoint and
/// in both client dialects: the answer is a 400 naming the field or a 200 (or a budget's 429),
/// and the gateway stays up. A trap anywhere on the way would end the test process.
@Suite("Extreme numbers in request bodies")
struct RequestNumberTests {
    /// Literals at and past every boundary: ±2^63 and beyond, 32-bit limits, exponents, fractions, zeros.
    static let literals = [
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809", "18446744073709551616",
        "1e17", "100000000000000000", "5000000000000000000", "1e308", "1e400", "-1e400", "-0", "0", "-1", "1.5", "1", "128", "129",
        "2147483647", "2147483648", "99999999999999999999999999999999",
    ]

    /// Whether a literal is an integer in `range`, which the gateway must accept.
    static func accepts(_ literal: String, in range: ClosedRange<Int>) -> Bool {
        Int(literal).map(range.contains) ?? false
    }

    private struct Case {
        let path: String
        let field: String
        let range: ClosedRange<Int>
        let body: @Sendable (String) -> String
    }

    private static let cases: [Case] = {
        let chat = { @Sendable (extra: String) in #"{"model":"demo","messages":[{"role":"user","content":"Hi"}]\#(extra)}"# }
        let completion = { @Sendable (extra: String) in #"{"model":"demo","prompt":"Hi"\#(extra)}"# }
        let tokens = 1...Int(Int32.max)
        var cases: [Case] = []
        for stream in [false, true] {
            for field in ["max_tokens", "max_completion_tokens"] {
                cases.append(Case(path: "/v1/chat/completions", field: field, range: tokens) { chat(#","stream":\#(stream),"\#(field)":\#($0)"#) })
            }
            cases.append(Case(path: "/v1/chat/completions", field: "n", range: 1...128) { chat(#","stream":\#(stream),"n":\#($0)"#) })
            cases.append(Case(path: "/v1/completions", field: "max_tokens", range: tokens) { completion(#","stream":\#(stream),"max_tokens":\#($0)"#) })
            cases.append(Case(path: "/v1/completions", field: "best_of", range: 1...20) { completion(#","stream":\#(stream),"best_of":\#($0)"#) })
            cases.append(Case(path: "/v1/messages", field: "max_tokens", range: tokens) {
                #"{"model":"demo","max_tokens":\#($0),"stream":\#(stream),"messages":[{"role":"user","content":"Hi"}]}"#
            })
        }
        cases.append(Case(path: "/v1/embeddings", field: "max_tokens", range: tokens) { #"{"model":"demo","input":"Hi","max_tokens":\#($0)}"# })
        return cases
    }()

    @Test func everyNumericFieldAtEveryExtremeGetsA400NamingItOrAnAnswer() async throws {
        try await withGateway { _, client in
            for testCase in Self.cases {
                for literal in Self.literals {
                    let reply = try await client.request(.POST, testCase.path, body: testCase.body(literal))
                    let what = "\(testCase.path) \(testCase.field)=\(literal): \(reply.status) \(reply.body.prefix(300))"
                    if Self.accepts(literal, in: testCase.range) {
                        #expect(reply.status == 200, "\(what)")
                    } else {
                        #expect(reply.status == 400, "\(what)")
                        #expect(reply.body.contains(#""param":"\#(testCase.field)""#) || reply.body.contains("'\(testCase.field)'"), "\(what)")
                    }
                }
            }
            #expect(try await client.request(.GET, "/health", key: nil).status == 200)
        }
    }

    /// The numbers translators read for Anthropic, Bedrock and Gemini deployments, from both
    /// client dialects: a 400 or an answer, never a 5xx, and never a body the upstream cannot read.
    @Test func numbersTranslatedForEveryBackendAreRefusedOrCarried() async throws {
        let openAIFields = ["temperature", "top_p", "top_k", "presence_penalty", "frequency_penalty", "seed", "max_tokens", "n", "logprobs", "top_logprobs"]
        let anthropicFields = ["temperature", "top_p", "top_k", "max_tokens"]
        try await withGateway { _, client in
            var failures: [String] = []
            for model in ["anthropic-ok", "bedrock-ok", "gemini-ok"] {
                for literal in Self.literals {
                    for field in openAIFields {
                        let body = #"{"model":"\#(model)","messages":[{"role":"user","content":"Hi"}],"\#(field)":\#(literal)}"#
                        let reply = try await client.request(.POST, "/v1/chat/completions", body: body)
                        if ![200, 400].contains(reply.status) { failures.append("\(model) \(field)=\(literal): \(reply.status) \(reply.body.prefix(200))") }
                    }
                    for field in anthropicFields {
                        let fields = #""max_tokens":16,"\#(field)":\#(literal)"#
                        let body = #"{"model":"\#(model)",\#(field == "max_tokens" ? #""max_tokens":\#(literal)"# : fields),"messages":[{"role":"user","content":"Hi"}]}"#
                        let reply = try await client.request(.POST, "/v1/messages", body: body)
                        if ![200, 400].contains(reply.status) { failures.append("messages \(model) \(field)=\(literal): \(reply.status) \(reply.body.prefix(200))") }
                    }
                    let thinking = #"{"model":"\#(model)","max_tokens":4096,"thinking":{"type":"enabled","budget_tokens":\#(literal)},"messages":[{"role":"user","content":"Hi"}]}"#
                    let reply = try await client.request(.POST, "/v1/messages", body: thinking)
                    if ![200, 400].contains(reply.status) { failures.append("thinking \(model) \(literal): \(reply.status) \(reply.body.prefix(200))") }
                }
            }
            #expect(failures.isEmpty, "\(failures.count) failures:\n\(failures.prefix(30).joined(separator: "\n"))")
            #expect(try await client.request(.GET, "/health", key: nil).status == 200)
        }
    }

    @Test func hugeLimitsWithABudgetATokenRateAndConcurrentStreamsAreRefusedOrServed() async throws {
        try await withGateway(settings: GatewayHarness.governanceSettings()) { _, client in
            let created = try await client.request(.POST, "/admin/keys", body: #"{"name":"big","tokens_per_minute":1000000}"#, key: GatewayHarness.adminKey)
            let key = try #require((try JSONSerialization.jsonObject(with: Data(created.body.utf8)) as? [String: Any])?["key"] as? String, "\(created.body)")
            let id = String(key.prefix(18))
            let budget = #"{"scope":"key","scope_id":"\#(id)","unit":"usd","period":"day","limit":1000000}"#
            #expect(try await client.request(.POST, "/admin/budgets", body: budget, key: GatewayHarness.adminKey).status == 201)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for literal in Self.literals + Self.literals {
                    group.addTask {
                        try await client.chat(model: "stub-metered", stream: true, extra: #","max_tokens":\#(literal),"n":2"#, key: key).status
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { [200, 400, 429].contains($0) }, "\(statuses)")
            #expect(statuses.contains(400))
            #expect(try await client.request(.GET, "/health", key: nil).status == 200)
        }
    }

    @Test func aBodyNamingAFieldTheGatewayReadsTwiceIsRefused() async throws {
        try await withGateway { harness, client in
            let bodies = [
                (#"{"model":"demo","model":"stub-ok","messages":[{"role":"user","content":"Hi"}]}"#, "model"),
                (#"{"model":"stub-ok","messages":[{"role":"user","content":"Hi"}],"max_tokens":5,"max_tokens":5000}"#, "max_tokens"),
                (#"{"model":"stub-ok","messages":[{"role":"user","content":"Hi"}],"stream":false,"stream":true}"#, "stream"),
                (#"{"model":"stub-ok","messages":[{"role":"user","content":"Hi"}],"n":1,"n":100}"#, "n"),
            ]
            for (body, field) in bodies {
                let reply = try await client.request(.POST, "/v1/chat/completions", body: body)
                #expect(reply.status == 400, "\(body): \(reply.body)")
                #expect(reply.body.contains(#""param":"\#(field)""#), "\(reply.body)")
            }
            #expect(harness.stub.received.isEmpty, "nothing went upstream")
        }
    }

    /// Random bodies built from the extreme literals and random fields: the parsers accept only
    /// values in their ranges, refuse everything else with a 400 naming a field, and never trap.
    @Test func theRequestParsersTakeAnyNumbersWithoutTrapping() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        print("request parser fuzz seed: \(seed)")
        var random = SplitMix(seed: seed)
        let fields = ["max_tokens", "max_completion_tokens", "n", "best_of", "stream", "temperature", "top_p", "top_k", "stop", "model", "messages", "stream_options"]
        let junk = ["true", "null", #""text""#, "[]", "{}", #"{"include_usage":1e400}"#, #"[{"role":"user","content":"x"}]"#]
        for _ in 0..<3000 {
            var members = [#""model":"m""#, #""messages":[{"role":"user","content":"Hi"}]"#]
            for _ in 0..<Int.random(in: 0...5, using: &random) {
                let field = fields.randomElement(using: &random)!
                let value = Bool.random(using: &random) ? Self.literals.randomElement(using: &random)! : junk.randomElement(using: &random)!
                members.append(#""\#(field)":\#(value)"#)
            }
            members.shuffle(using: &random)
            let body = "{" + members.joined(separator: ",") + "}"
            for endpoint in Endpoint.allCases {
                do {
                    let request = try Array(body.utf8).withUnsafeBytes { bytes throws(GatewayError) in try InferenceRequest(endpoint: endpoint, bytes: bytes) }
                    #expect((1...Int(Int32.max)).contains(request.maxOutputTokens ?? 1), "seed \(seed): \(body)")
                    #expect((1...128).contains(request.generatedChoices), "seed \(seed): \(body)")
                } catch {
                    let refusal = error as? GatewayError
                    #expect(refusal?.status == 400 && refusal?.param != nil, "seed \(seed): \(body) → \(error)")
                }
            }
            let anthropic = "{" + (members + [#""max_tokens":\#(Self.literals.randomElement(using: &random)!)"#]).joined(separator: ",") + "}"
            _ = try? OpenAIRequestTranslator.translate(anthropicMessages: Array(anthropic.utf8), model: "m")
        }
    }
}
