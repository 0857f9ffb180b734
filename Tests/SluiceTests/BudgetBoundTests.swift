import Foundation
import NIOHTTP1
import SluiceStore
import Testing

/// A budget is never overshot: the worst case reserved is a true bound on what a request can
/// spend, against an upstream whose answers follow `n` and `max_tokens` (`stub-metered`) and one
/// that ignores `max_tokens` (`stub-unmetered`), both running to 6,000 tokens per answer when
/// nothing stops them.
@Suite("Budget reservations bound what a request can spend")
struct BudgetBoundTests {
    private static let settings = GatewayHarness.governanceSettings(extra: "budgets: { default_max_output_tokens: 1000 }\n")

    private func admin(_ client: TestClient, _ path: String, _ body: String? = nil, method: HTTPMethod = .POST) async throws -> TestClient.Reply {
        try await client.request(method, "/admin/" + path, body: body, key: GatewayHarness.adminKey)
    }

    /// A key with a daily budget of `limit` in `unit`; returns the key and its id.
    private func keyWithBudget(_ client: TestClient, unit: String, limit: Double) async throws -> (key: String, id: String) {
        let reply = try await self.admin(client, "keys", #"{"name":"budgeted"}"#)
        let created = try #require(try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any], "\(reply.body)")
        let id = try #require(created["id"] as? String)
        let budget = try await self.admin(client, "budgets", #"{"scope":"key","scope_id":"\#(id)","unit":"\#(unit)","period":"day","limit":\#(limit)}"#)
        #expect(budget.status == 201, "\(budget.body)")
        return (try #require(created["key"] as? String), id)
    }

    /// The key's ledger rows once `count` of them are written.
    private func ledgerRows(_ harness: GatewayHarness, keyID: String, count: Int) async throws -> [UsageRow] {
        let store = try #require(harness.governance?.store)
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            await harness.governance?.flushLedger()
            let rows = try await store.usage(UsageQuery(keyID: keyID, limit: 10_000))
            if rows.count >= count || ContinuousClock.now > deadline { return rows }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test func aRequestWithoutMaxTokensStaysInsideATokenBudget() async throws {
        try await withGateway(settings: Self.settings) { harness, client in
            let (key, id) = try await self.keyWithBudget(client, unit: "tokens", limit: 5000)
            var statuses: [Int] = []
            for _ in 0..<6 {
                statuses.append(try await client.chat(model: "stub-metered", key: key).status)
            }
            #expect(statuses.first == 200, "the first request fits")
            #expect(statuses.contains(429), "the budget runs out: \(statuses)")
            let rows = try await self.ledgerRows(harness, keyID: id, count: statuses.count)
            let spent = rows.reduce(0) { $0 + $1.promptTokens + $1.completionTokens }
            #expect(spent <= 5000, "spent \(spent) tokens of a 5,000-token budget")
            let sent = try #require(harness.stub.received.first { $0.body.contains(#""metered""#) })
            #expect(sent.body.contains(#""max_tokens":1000"#), "the bound the budget assumed is sent upstream: \(sent.body)")
        }
    }

    @Test func aNullMaxTokensIsReplacedByTheBoundNotRepeated() async throws {
        try await withGateway(settings: Self.settings) { harness, client in
            let (key, _) = try await self.keyWithBudget(client, unit: "tokens", limit: 50_000)
            #expect(try await client.chat(model: "stub-metered", extra: #","max_tokens":null,"temperature":0"#, key: key).status == 200)
            let sent = try #require(harness.stub.received.last?.body)
            #expect(sent.components(separatedBy: "max_tokens").count == 2, "max_tokens named once: \(sent)")
            #expect(sent.contains(#""max_tokens":1000,"temperature":0"#), "\(sent)")
        }
    }

    @Test func withoutABudgetTheRequestGoesUpstreamUnchanged() async throws {
        try await withGateway(settings: Self.settings) { harness, client in
            let reply = try await client.chat(model: "stub-metered")
            #expect(reply.status == 200)
            #expect(reply.body.contains(#""completion_tokens":6000"#))
            let sent = try #require(harness.stub.received.last)
            #expect(!sent.body.contains("max_tokens"), "\(sent.body)")
        }
    }

    @Test func everyAnswerOfNCountsInTheWorstCase() async throws {
        try await withGateway(settings: Self.settings) { harness, client in
            // $0.01; one request's output alone can cost 2 × 1,000 tokens at $2 per million = $0.004.
            let (key, id) = try await self.keyWithBudget(client, unit: "usd", limit: 0.01)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<10 {
                    group.addTask { try await client.chat(model: "stub-metered", extra: #","n":2,"max_tokens":1000"#, key: key).status }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.contains(200) && statuses.contains(429), "\(statuses)")
            let rows = try await self.ledgerRows(harness, keyID: id, count: 10)
            #expect(rows.count == 10)
            let spent = rows.reduce(Int64(0)) { $0 + $1.costMicroUSD }
            #expect(spent <= 10_000, "spent \(spent) micro-dollars of a $0.01 budget")
            #expect(rows.contains { $0.status == 200 && $0.completionTokens == 2000 }, "the upstream produced both answers")

            let many = try await client.chat(model: "stub-metered", extra: #","n":100,"max_tokens":1000"#, key: key)
            #expect(many.status == 429, "100 answers of 1,000 tokens cost $0.20: \(many.body)")
            #expect(many.body.contains("budget_exceeded"))
        }
    }

    @Test func aStreamPastItsReservationIsCutWithAnErrorEvent() async throws {
        try await withGateway(settings: Self.settings) { harness, client in
            let (key, id) = try await self.keyWithBudget(client, unit: "tokens", limit: 5000)
            let reply = try await client.chat(model: "stub-unmetered", stream: true, extra: #","max_tokens":100"#, key: key)
            #expect(reply.status == 200)
            #expect(reply.body.contains("output_limit_exceeded"), "\(reply.body.suffix(400))")
            #expect(!reply.body.contains("[DONE]"))
            let events = reply.body.components(separatedBy: #""content":"tok ""#).count - 1
            #expect(events <= 100, "the client got \(events) tokens of a 100-token reservation")
            let rows = try await self.ledgerRows(harness, keyID: id, count: 1)
            let row = try #require(rows.first)
            #expect(row.status == 429)
            #expect(row.errorCode == "output_limit_exceeded")
            #expect(row.completionTokens > 100 && row.promptTokens + row.completionTokens <= 5000, "\(row)")
        }
    }
}
