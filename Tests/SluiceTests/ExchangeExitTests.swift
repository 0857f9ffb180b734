import Foundation
import SluiceRoutingSimulation
import SluiceStore
import Testing

/// Every way a request can end, over HTTP, each checked back at rest: the deployment's load
/// released, the budget reservation settled (spend equals the ledger's cost, and the capacity
/// it held is free again), the in-flight gauge at zero, exactly one ledger row, one record and
/// one audit line with the status the request ended with, and the request's span ended.
@Suite("Every exit of a request ends it exactly once", .serialized)
struct ExchangeExitTests {
    /// What the client does.
    enum ClientPart: Sendable {
        /// Reads the whole answer, which arrives with this status.
        case reads(status: Int)
        /// Hangs up once the holding upstream has the request (it never answers).
        case leavesOnceUpstreamHasIt
        /// Hangs up after the first streamed event.
        case leavesAfterFirstEvent
    }

    /// The endpoint the client calls, and so the API it speaks.
    enum Dialect: Sendable {
        case openAIChat, openAICompletions, openAIEmbeddings, anthropicMessages

        var path: String {
            switch self {
            case .openAIChat: "/v1/chat/completions"
            case .openAICompletions: "/v1/completions"
            case .openAIEmbeddings: "/v1/embeddings"
            case .anthropicMessages: "/v1/messages"
            }
        }

        func body(model: String, stream: Bool, maxTokens: Int) -> String {
            switch self {
            case .openAIChat:
                #"{"model":"\#(model)","messages":[{"role":"user","content":"Say hello"}],"stream":\#(stream),"max_tokens":\#(maxTokens)"#
                    + (stream ? #","stream_options":{"include_usage":true}}"# : "}")
            case .openAICompletions:
                #"{"model":"\#(model)","prompt":"Say this is a test","stream":\#(stream),"max_tokens":\#(maxTokens)}"#
            case .openAIEmbeddings:
                #"{"model":"\#(model)","input":"The food was delicious"}"#
            case .anthropicMessages:
                #"{"model":"\#(model)","max_tokens":\#(maxTokens),"messages":[{"role":"user","content":"Say hello"}],"stream":\#(stream)}"#
            }
        }

        func headers(key: String) -> [(String, String)] {
            self == .anthropicMessages ? [("x-api-key", key), ("anthropic-version", "2023-06-01")] : [("Authorization", "Bearer \(key)")]
        }
    }

    struct Exit: Sendable, CustomTestStringConvertible {
        let name: String
        var dialect = Dialect.openAIChat
        let model: String
        var stream = false
        /// Output tokens asked for: what the budget reserves, with the prompt's bytes.
        var maxTokens = ExchangeExitTests.exitMaxTokens
        let client: ClientPart
        /// The status the ledger, the record, the audit line and the span carry.
        let recorded: Int
        /// The error code the ledger carries, and the answer when the client reads it in an OpenAI dialect.
        let code: String?

        var testDescription: String { self.name }
    }

    static let exits: [Exit] = [
        Exit(name: "success", model: "stub-ok", client: .reads(status: 200), recorded: 200, code: nil),
        Exit(name: "success, streamed", model: "stub-ok", stream: true, client: .reads(status: 200), recorded: 200, code: nil),
        Exit(name: "success, /v1/completions", dialect: .openAICompletions, model: "stub-ok", client: .reads(status: 200), recorded: 200, code: nil),
        Exit(name: "success, /v1/embeddings", dialect: .openAIEmbeddings, model: "stub-ok", client: .reads(status: 200), recorded: 200, code: nil),
        Exit(name: "success after a retry on another deployment", model: "flaky", client: .reads(status: 200), recorded: 200, code: nil),
        Exit(name: "success on a fallback model", model: "primary", client: .reads(status: 200), recorded: 200, code: nil),
        Exit(name: "success, a cut stream resumed on another deployment", model: "resumable", stream: true, client: .reads(status: 200), recorded: 200, code: nil),
        Exit(name: "upstream 4xx before the head", model: "stub-error-400", client: .reads(status: 400), recorded: 400, code: "invalid_value"),
        Exit(name: "upstream 5xx before the head, streamed", model: "stub-error-500", stream: true, client: .reads(status: 502), recorded: 502, code: "bad_gateway"),
        Exit(name: "first-token timeout", model: "hold-openai", stream: true, client: .reads(status: 504), recorded: 504, code: "upstream_timeout"),
        Exit(name: "between-tokens timeout", model: "stub-stall", stream: true, client: .reads(status: 200), recorded: 504, code: "upstream_timeout"),
        Exit(name: "request timeout, non-streamed", model: "hold-openai", client: .reads(status: 504), recorded: 504, code: "upstream_timeout"),
        Exit(name: "stream cut by the upstream", model: "stub-cut", stream: true, client: .reads(status: 200), recorded: 502, code: "stream_interrupted"),
        Exit(name: "upstream error event mid-stream", model: "error-event", stream: true, client: .reads(status: 200), recorded: 502, code: "bad_gateway"),
        Exit(name: "client gone before the head, streamed", model: "hold-openai", stream: true, client: .leavesOnceUpstreamHasIt, recorded: 499, code: "client_closed"),
        Exit(name: "client gone during a stream", model: "stub-slow-stream", stream: true, client: .leavesAfterFirstEvent, recorded: 499, code: "client_closed"),
        Exit(name: "client gone while waiting on a non-streamed answer", model: "hold-openai", client: .leavesOnceUpstreamHasIt, recorded: 499, code: "client_closed"),
        Exit(name: "success, /v1/messages to an Anthropic deployment", dialect: .anthropicMessages, model: "anthropic-ok", client: .reads(status: 200), recorded: 200, code: nil),
        Exit(
            name: "success, streamed, /v1/messages to an Anthropic deployment", dialect: .anthropicMessages, model: "anthropic-ok", stream: true,
            client: .reads(status: 200), recorded: 200, code: nil
        ),
        // The ledger must carry the status the client got, not the one the upstream's answer had.
        Exit(
            name: "an answer the client's dialect cannot carry, /v1/messages", dialect: .anthropicMessages, model: "no-choices", client: .reads(status: 502),
            recorded: 502, code: "bad_gateway"
        ),
        Exit(
            name: "client gone while waiting, /v1/messages to an Anthropic deployment", dialect: .anthropicMessages, model: "hold-anthropic",
            client: .leavesOnceUpstreamHasIt, recorded: 499, code: "client_closed"
        ),
        Exit(name: "refused: unknown model", model: "no-such-model", client: .reads(status: 404), recorded: 404, code: "model_not_found"),
        Exit(name: "refused: budget exceeded", model: "stub-ok", maxTokens: 20_000, client: .reads(status: 429), recorded: 429, code: "budget_exceeded"),
    ]

    /// The key's token budget. An exit reserves its prompt's bytes plus `exitMaxTokens`; the
    /// probe after it reserves its bytes plus `probeMaxTokens`. Both fit only once the exit's
    /// reservation is released, whatever the exit spent (a few dozen tokens at most).
    static let tokenBudget = 10_000
    static let exitMaxTokens = 4_000
    static let probeMaxTokens = 6_500

    /// Short timeouts, so that the timeout exits come quickly.
    static func settings(receiver: OTLPReceiver, audit: String) throws -> String {
        let base = GatewayHarness.governanceSettings(extra: """
            audit: { path: \(audit), flush_interval: 20ms }
            tracing: { otlp_endpoint: \(receiver.endpoint), protocol: http/json, export_interval: 50ms }

            """)
        let timeouts = "timeouts: { connect: 1s, first_token: 1s, between_tokens: 500ms, request: 5s }"
        try #require(base.contains(timeouts))
        return base.replacingOccurrences(of: timeouts, with: "timeouts: { connect: 1s, first_token: 400ms, between_tokens: 300ms, request: 1s }")
    }

    @Test(arguments: exits)
    func theRequestEndsOnceAndLeavesTheGatewayAtRest(_ exit: Exit) async throws {
        let receiver = try await OTLPReceiver.start()
        let audit = AuditLogTests.auditPath()
        defer { try? FileManager.default.removeItem(atPath: audit) }
        try await withHoldingGateway(settings: try Self.settings(receiver: receiver, audit: audit)) { harness, client, upstream in
            let (key, keyID) = try await Self.budgetedKey(client)
            let body = exit.dialect.body(model: exit.model, stream: exit.stream, maxTokens: exit.maxTokens)
            try await Self.play(exit, body: body, key: key, harness: harness, client: client, upstream: upstream)

            let rows = try await Self.ledgerRows(harness, keyID: keyID, count: 1)
            #expect(rows.count == 1, "one ledger row per request: \(rows)")
            let row = try #require(rows.first)
            #expect(row.status == exit.recorded, "\(row)")
            #expect(row.errorCode == exit.code, "\(row)")
            let records = harness.records.all
            #expect(records.map(\.status) == [exit.recorded], "one record for the observers")

            #expect(await Self.eventually { try await Self.scrape(client).value("sluice_requests_in_flight") == 0 }, "the in-flight gauge is back at 0")
            _ = await Self.eventually { try await Self.busyDeployments(client).isEmpty }
            let busy = try await Self.busyDeployments(client)
            #expect(busy.isEmpty, "deployments still loaded: \(busy)")

            let lines = try await AuditLogTests.lines(audit, count: 1)
            #expect(lines.compactMap { $0["status"] as? Int } == [exit.recorded], "one audit line: \(lines)")

            let spans = try await receiver.waitForSpans { spans in spans.contains { $0.kind == .server } }
            let servers = spans.filter { $0.kind == .server }
            #expect(servers.count == 1, "one request span, ended")
            #expect(servers.first?.attributes["http.response.status_code"] == String(exit.recorded))

            try await Self.expectSpendMatches([row], client: client)
            // Would not fit beside a reservation the exit left behind.
            let probe = try await client.chat(model: "demo", extra: #","max_tokens":\#(Self.probeMaxTokens)"#, key: key)
            #expect(probe.status == 200, "the exit's budget reservation is released: \(probe.body)")
        }
        await receiver.stop()
    }

    /// Random mixes of the exits a client reads to the end, a few at a time: whatever the
    /// interleaving, each request has one ledger row with the status it ended with, the budgets'
    /// spend equals the ledger's, and the gateway comes to rest (every routing lease released,
    /// the in-flight gauge at 0). Each failing exit comes once, so that no breaker opens and
    /// changes another request's outcome; successes fill the rest. The seed is printed;
    /// `SLUICE_PROPERTY_SEED` replays one.
    @Test func randomMixesOfExitsEachEndOnceAndLeaveTheGatewayAtRest() async throws {
        let seed = ProcessInfo.processInfo.environment["SLUICE_PROPERTY_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0...UInt64.max)
        print("ExchangeExitTests mix seed \(seed)")
        var random = SplitMix(seed: seed)
        let readable = Self.exits.filter { exit in
            guard case .reads = exit.client else { return false }
            return exit.code != "budget_exceeded"
        }
        // Successes whose route has no deployment that fails, or whose failing one stays out of the way once its breaker opens.
        let successes = readable.filter { $0.recorded == 200 && !["primary", "resumable"].contains($0.model) }
        var mix = readable.filter { !successes.map(\.name).contains($0.name) }
        while mix.count < 32 { mix.append(successes[Int(random.next() % UInt64(successes.count))]) }
        mix.shuffle(using: &random)

        let receiver = try await OTLPReceiver.start()
        let audit = AuditLogTests.auditPath()
        defer { try? FileManager.default.removeItem(atPath: audit) }
        try await withHoldingGateway(settings: try Self.settings(receiver: receiver, audit: audit)) { harness, client, upstream in
            let (key, keyID) = try await Self.budgetedKey(client, tokens: 10_000_000)
            for wave in stride(from: 0, to: mix.count, by: 4) {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for exit in mix[wave..<min(wave + 4, mix.count)] {
                        let body = exit.dialect.body(model: exit.model, stream: exit.stream, maxTokens: exit.maxTokens)
                        group.addTask { try await Self.play(exit, body: body, key: key, harness: harness, client: client, upstream: upstream) }
                    }
                    try await group.waitForAll()
                }
            }
            let rows = try await Self.ledgerRows(harness, keyID: keyID, count: mix.count)
            #expect(rows.count == mix.count, "seed \(seed): one ledger row per request")
            #expect(rows.map(\.status).sorted() == mix.map(\.recorded).sorted(), "seed \(seed): \(mix.map(\.name))")
            #expect(await Self.eventually { try await Self.scrape(client).value("sluice_requests_in_flight") == 0 }, "seed \(seed): the in-flight gauge is back at 0")
            _ = await Self.eventually { try await Self.busyDeployments(client).isEmpty }
            let busy = try await Self.busyDeployments(client)
            #expect(busy.isEmpty, "seed \(seed): deployments still loaded: \(busy)")
            try await Self.expectSpendMatches(rows, client: client)
        }
        await receiver.stop()
    }

    /// Clients that hang up just as their answers (streamed or whole) arrive: the gateway
    /// notices before it writes the response head, or only when writing it fails, or not at all
    /// (the answer fit in the socket's buffer, a 200); either way each request ends once.
    @Test func clientsLeavingAsTheirAnswersArriveEachEndOnce() async throws {
        let rounds = 40
        try await withHoldingGateway(settings: GatewayHarness.governanceSettings()) { harness, client, upstream in
            let port = Int(harness.baseURL.split(separator: ":").last ?? "") ?? 0
            for round in 0..<rounds {
                let body = #"{"model":"gated","messages":[{"role":"user","content":"Say hello"}],"stream":\#(round % 4 < 2)}"#
                let connection = try await RawConnection.open(port: port)
                try await connection.send(RawHTTPRequest.post("/v1/chat/completions", body: body, headers: [("Authorization", "Bearer sk-test")]))
                try #require(await upstream.waitForExchanges(round + 1, within: .seconds(5)).count == round + 1)
                // The gateway learns of both within microseconds; which it sees first varies.
                if round.isMultiple(of: 2) {
                    upstream.answerWaiting()
                    await connection.close()
                } else {
                    await connection.close()
                    upstream.answerWaiting()
                }
            }
            let rows = try await Self.ledgerRows(harness, count: rounds)
            #expect(rows.count == rounds, "one ledger row per request")
            #expect(rows.allSatisfy { $0.status == 200 || $0.status == 499 }, "\(rows.map(\.status))")
            #expect(await Self.eventually { try await Self.scrape(client).value("sluice_requests_in_flight") == 0 }, "the in-flight gauge is back at 0")
            _ = await Self.eventually { try await Self.busyDeployments(client).isEmpty }
            let busy = try await Self.busyDeployments(client)
            #expect(busy.isEmpty, "deployments still loaded: \(busy)")
        }
    }

    /// Plays the client's part of `exit`.
    private static func play(
        _ exit: Exit, body: String, key: String, harness: GatewayHarness, client: TestClient, upstream: HoldingUpstream
    ) async throws {
        switch exit.client {
        case .reads(let status):
            let headers = Dictionary(uniqueKeysWithValues: exit.dialect.headers(key: key))
            let reply = try await client.request(.POST, exit.dialect.path, body: body, key: nil, headers: headers)
            #expect(reply.status == status, "\(reply.body)")
            guard let code = exit.code, exit.dialect != .anthropicMessages else { return }
            if status == 200 {
                // A stream that fails after its head ends with an error event, never `[DONE]`.
                #expect(reply.eventObjects.last?["error"] != nil, "\(reply.body)")
                #expect(!reply.events.contains("[DONE]"))
            } else {
                #expect(reply.body.contains(#""code":"\#(code)""#), "the answer names the error: \(reply.body)")
            }
        case .leavesOnceUpstreamHasIt:
            let connection = try await RawConnection.open(port: Int(harness.baseURL.split(separator: ":").last ?? "") ?? 0)
            try await connection.send(RawHTTPRequest.post(exit.dialect.path, body: body, headers: exit.dialect.headers(key: key)))
            try #require(await upstream.waitForExchanges(1, within: .seconds(5)).count == 1, "the request never reached the upstream: \(connection.text)")
            await connection.close()
        case .leavesAfterFirstEvent:
            let connection = try await RawConnection.open(port: Int(harness.baseURL.split(separator: ":").last ?? "") ?? 0)
            try await connection.send(RawHTTPRequest.post(exit.dialect.path, body: body, headers: exit.dialect.headers(key: key)))
            try #require(await connection.waitForText("data: ", within: .seconds(5)), "no event arrived: \(connection.text)")
            await connection.close()
        }
    }

    /// A virtual key with a daily token budget (``tokenBudget`` unless given) and a daily dollar
    /// budget; returns the key and its id.
    private static func budgetedKey(_ client: TestClient, tokens: Int = Self.tokenBudget) async throws -> (key: String, id: String) {
        let created = try await client.request(.POST, "/admin/keys", body: #"{"name":"exits"}"#, key: GatewayHarness.adminKey)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(created.body.utf8)) as? [String: Any], "\(created.body)")
        let id = try #require(json["id"] as? String)
        for (unit, limit) in [("tokens", "\(tokens)"), ("usd", "1")] {
            let budget = try await client.request(
                .POST, "/admin/budgets", body: #"{"scope":"key","scope_id":"\#(id)","unit":"\#(unit)","period":"day","limit":\#(limit)}"#,
                key: GatewayHarness.adminKey
            )
            try #require(budget.status == 201, "\(budget.body)")
        }
        return (try #require(json["key"] as? String), id)
    }

    /// The ledger's rows (the key's, when given) once `count` are written, or after three seconds.
    private static func ledgerRows(_ harness: GatewayHarness, keyID: String? = nil, count: Int) async throws -> [UsageRow] {
        let store = try #require(harness.governance?.store)
        let deadline = ContinuousClock.now + .seconds(3)
        var rows: [UsageRow] = []
        while rows.count < count, ContinuousClock.now < deadline {
            await harness.governance?.flushLedger()
            rows = try await store.usage(UsageQuery(keyID: keyID, limit: 1000))
            if rows.count < count { try await Task.sleep(for: .milliseconds(10)) }
        }
        return rows
    }

    /// What the budgets count as spent equals what the ledger charged: tokens, and dollars.
    private static func expectSpendMatches(_ rows: [UsageRow], client: TestClient) async throws {
        let reply = try await client.request(.GET, "/admin/budgets", key: GatewayHarness.adminKey)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any], "\(reply.body)")
        let budgets = try #require(json["data"] as? [[String: Any]])
        let spent = Dictionary(budgets.compactMap { budget in (budget["unit"] as? String).map { ($0, budget["spent"] as? Double ?? -1) } }) { first, _ in first }
        let tokens = rows.reduce(0) { $0 + $1.promptTokens + $1.completionTokens }
        let microUSD = rows.reduce(Int64(0)) { $0 + $1.costMicroUSD }
        #expect(spent["tokens"] == Double(tokens), "the token budget's spend against the ledger's \(tokens) tokens")
        #expect(abs((spent["usd"] ?? -1) * 1e6 - Double(microUSD)) < 0.5, "the dollar budget's spend \(spent["usd"] ?? -1) against the ledger's \(microUSD) micro-dollars")
    }

    private static func scrape(_ client: TestClient) async throws -> PrometheusExposition {
        PrometheusExposition(try await client.request(.GET, "/metrics", key: nil).body)
    }

    /// Deployments `/ready` shows with requests in flight or tokens outstanding.
    private static func busyDeployments(_ client: TestClient) async throws -> [String] {
        let reply = try await client.request(.GET, "/ready", key: nil)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any], "\(reply.body)")
        let deployments = try #require(json["deployments"] as? [[String: Any]])
        return deployments.filter { ($0["in_flight"] as? Int ?? -1) != 0 || ($0["outstanding_tokens"] as? Int ?? -1) != 0 }.map { "\($0)" }
    }

    /// Whether `condition` holds within three seconds.
    private static func eventually(_ condition: () async throws -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(3)
        while ContinuousClock.now < deadline {
            if (try? await condition()) == true { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }
}
