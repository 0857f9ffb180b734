import Foundation
import NIOHTTP1
import SluiceStore
import Testing

/// A request refused before routing ends like any other: a ledger row, an audit line, a record
/// for the observers; and a key's 429 carries the rate-limit headers its 200s carry.
@Suite("Refused requests leave their trace")
struct RefusalRecordTests {
    @Test func unknownModelsAndRateLimitedKeysGetLedgerRowsAndAuditLines() async throws {
        let audit = AuditLogTests.auditPath()
        let settings = GatewayHarness.governanceSettings(extra: "audit: { path: \(audit), flush_interval: 20ms }\n")
        try await withGateway(settings: settings) { harness, client in
            let created = try await client.request(.POST, "/admin/keys", body: #"{"name":"slow","requests_per_minute":2}"#, key: GatewayHarness.adminKey)
            let key = try #require((try JSONSerialization.jsonObject(with: Data(created.body.utf8)) as? [String: Any])?["key"] as? String)
            let id = String(key.prefix(18))

            let unknown = try await client.chat(model: "no-such-model", key: key)
            #expect(unknown.status == 404)
            var replies: [TestClient.Reply] = []
            for _ in 0..<3 { replies.append(try await client.chat(model: "stub-ok", key: key)) }
            #expect(replies.map(\.status) == [200, 200, 429])
            let limited = replies[2]
            #expect(limited.headers["x-ratelimit-limit-requests"].first == "2")
            #expect(limited.headers["x-ratelimit-remaining-requests"].first == "0")
            #expect(limited.headers["x-ratelimit-reset-requests"].first?.isEmpty == false)
            #expect(Int(limited.headers["retry-after"].first ?? "") ?? 0 >= 1)

            let records = try await harness.waitForRecords(4)
            #expect(records.map(\.status).sorted() == [200, 200, 404, 429])
            #expect(records.contains { $0.status == 404 && $0.model == "no-such-model" && $0.errorCode == "model_not_found" })

            let store = try #require(harness.governance?.store)
            var rows: [UsageRow] = []
            for _ in 0..<500 where rows.count < 4 {
                await harness.governance?.flushLedger()
                rows = try await store.usage(UsageQuery(keyID: id, limit: 100))
                if rows.count < 4 { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(rows.map(\.status).sorted() == [200, 200, 404, 429], "\(rows)")
            #expect(rows.contains { $0.status == 429 && $0.errorCode == "rate_limit_exceeded" })

            let lines = try await AuditLogTests.lines(audit, count: 4)
            #expect(lines.compactMap { $0["status"] as? Int }.sorted() == [200, 200, 404, 429])

            let metrics = try await client.request(.GET, "/metrics", key: nil).body
            #expect(!metrics.contains("no-such-model"), "an unknown name adds no label value")
        }
    }
}
