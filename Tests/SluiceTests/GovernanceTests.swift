import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SluiceServer
import SluiceStore
import Testing

@Suite("Tenants, virtual keys, budgets, rate limits and the usage ledger")
struct GovernanceTests {
    private func json(_ reply: TestClient.Reply) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any], "\(reply.body)")
    }

    private func admin(_ client: TestClient, _ path: String, _ body: String? = nil, method: HTTPMethod = .POST) async throws -> TestClient.Reply {
        try await client.request(method, "/admin/" + path, body: body, key: GatewayHarness.adminKey)
    }

    /// A tenant and a key in it, made through the admin API; returns the key.
    private func makeKey(_ client: TestClient, _ fields: String = "") async throws -> (key: String, id: String) {
        _ = try await self.admin(client, "tenants", #"{"id":"acme","name":"Acme"}"#)
        let reply = try await self.admin(client, "keys", #"{"name":"ci","tenant_id":"acme"\#(fields)}"#)
        #expect(reply.status == 201, "\(reply.body)")
        let created = try self.json(reply)
        return (try #require(created["key"] as? String), try #require(created["id"] as? String))
    }

    @Test func theAdminAPIWantsTheAdminKey() async throws {
        try await withGateway(settings: GatewayHarness.governanceSettings()) { _, client in
            #expect(try await client.request(.GET, "/admin/keys", key: nil).status == 401)
            #expect(try await client.request(.GET, "/admin/keys", key: "sk-test").status == 401)
            let reply = try await self.admin(client, "keys", method: .GET)
            #expect(reply.status == 200)
            #expect(try await self.admin(client, "deployments", method: .GET).body.contains(#""model":"stub-ok""#))
        }
    }

    @Test func aVirtualKeyWorksUntilRevokedAndIsShownOnlyOnce() async throws {
        try await withGateway(settings: GatewayHarness.governanceSettings()) { harness, client in
            let (key, id) = try await self.makeKey(client, #","allowed_models":["stub-ok"]"#)
            #expect(key.hasPrefix("sk-sluice-"))
            #expect(key.count == 42)
            #expect(id == String(key.prefix(18)))

            let listed = try await self.admin(client, "keys?tenant_id=acme", method: .GET).body
            #expect(listed.contains(id))
            #expect(!listed.contains(key), "the key itself is never listed")
            let stored = try #require(try await harness.governance?.store.key(id: id))
            #expect(stored.hash != key && stored.hash.count == 64, "only a SHA-256 hash is stored")

            let answer = try await client.chat(model: "stub-ok", key: key)
            #expect(answer.status == 200)
            let record = try #require(try await harness.waitForRecords(1).first)
            #expect(record.keyID == id)
            #expect(record.tenantID == "acme")
            #expect(try await client.chat(model: "stub-delay", key: key).status == 403, "a model the key may not use")

            let usage = try self.json(try await client.request(.GET, "/v1/usage", key: key))
            let rows = try #require(usage["data"] as? [[String: Any]])
            #expect(rows.count == 2)
            #expect(rows.contains { $0["status"] as? Int == 200 && $0["prompt_tokens"] as? Int == 19 && $0["cost_usd"] as? Double == 0.000039 })

            #expect(try await self.admin(client, "keys/\(id)", method: .DELETE).status == 200)
            let refused = try await client.chat(model: "stub-ok", key: key)
            #expect(refused.status == 401)
            #expect(refused.body.contains("revoked_api_key"))
            #expect(try await client.chat(model: "stub-ok", key: "sk-sluice-" + String(repeating: "x", count: 32)).status == 401)
        }
    }

    @Test func anExpiredKeyIsRefused() async throws {
        try await withGateway(settings: GatewayHarness.governanceSettings()) { harness, client in
            let store = try #require(harness.governance?.store)
            let key = "sk-sluice-" + String(repeating: "E", count: 32)
            try await store.createKey(VirtualKeyRecord(
                id: String(key.prefix(18)), hash: GovernanceAdmin.hash(ofKey: key), tenantID: nil, name: "old",
                createdAt: 1_700_000_000, expiresAt: 1_700_000_100
            ))
            let reply = try await client.chat(model: "stub-ok", key: key)
            #expect(reply.status == 401)
            #expect(reply.body.contains("expired_api_key"))
        }
    }

    @Test func twoHundredConcurrentRequestsAgainstABudgetForFiftyLetAtMostFiftyThrough() async throws {
        try await withGateway(settings: GatewayHarness.governanceSettings()) { harness, client in
            let (key, id) = try await self.makeKey(client)
            // A stub-ok answer costs 39 micro-dollars (19 prompt tokens at $1/M, 10 completion at $2/M).
            let limit = 50 * 39
            let created = try await self.admin(client, "budgets", #"{"scope":"key","scope_id":"\#(id)","unit":"usd","period":"day","limit":\#(Double(limit) / 1e6)}"#)
            #expect(created.status == 201, "\(created.body)")
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<200 {
                    group.addTask { try await client.chat(model: "stub-ok", extra: #","max_tokens":10"#, key: key).status }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            let admitted = statuses.filter { $0 == 200 }.count
            #expect(admitted <= 50)
            #expect(admitted >= 10, "the budget is not refused wholesale")
            #expect(statuses.allSatisfy { $0 == 200 || $0 == 429 })
            await harness.governance?.flushLedger()
            let rows = try await harness.governance!.store.usage(UsageQuery(keyID: id, limit: 1000))
            let spent = rows.reduce(Int64(0)) { $0 + $1.costMicroUSD }
            #expect(spent <= Int64(limit))
            #expect(rows.count == 200, "every request has its ledger row, refused ones too")
            let budgets = try self.json(try await self.admin(client, "budgets", method: .GET))
            let budget = try #require((budgets["data"] as? [[String: Any]])?.first)
            #expect((budget["spent"] as? Double ?? 1) <= Double(limit) / 1e6)

            // Contention may have refused requests the budget had room for; one at a time, the
            // requests that still fit are admitted and the one after them is refused.
            var refused = try await client.chat(model: "stub-ok", extra: #","max_tokens":10"#, key: key)
            var admittedAlone = 0
            while refused.status == 200, admitted + admittedAlone < 50 {
                admittedAlone += 1
                refused = try await client.chat(model: "stub-ok", extra: #","max_tokens":10"#, key: key)
            }
            try #require(refused.status == 429, "\(admitted) + \(admittedAlone) admitted, then \(refused.status): \(refused.body)")
            #expect(refused.body.contains("budget_exceeded"))
            #expect(refused.body.contains("resets at"))
            #expect(refused.headers["retry-after"].first != nil)
        }
    }

    @Test func aKeyOverItsRequestsPerMinuteGets429WithRetryAfter() async throws {
        try await withGateway(settings: GatewayHarness.governanceSettings()) { _, client in
            let (key, _) = try await self.makeKey(client, #","requests_per_minute":3"#)
            var replies: [TestClient.Reply] = []
            for _ in 0..<4 { replies.append(try await client.chat(model: "stub-ok", key: key)) }
            #expect(replies.prefix(3).allSatisfy { $0.status == 200 })
            #expect(replies[0].headers["x-ratelimit-limit-requests"].first == "3")
            #expect(replies[2].headers["x-ratelimit-remaining-requests"].first == "0")
            #expect(replies[3].status == 429)
            #expect(replies[3].body.contains("rate_limit_exceeded"))
            #expect(Int(replies[3].headers["retry-after"].first ?? "") ?? 0 >= 1)
        }
    }

    @Test func aDeploymentOverItsRateLimitIsPassedOver() async throws {
        try await withGateway { harness, client in
            #expect(try await client.chat(model: "limited").status == 200)
            #expect(try await client.chat(model: "limited").status == 200)
            let third = try await client.chat(model: "limited")
            #expect(third.status == 429)
            #expect(third.body.contains("every deployment of `limited`"))
            #expect(harness.stub.received.count == 2, "the upstream never saw the third")
        }
    }
}
