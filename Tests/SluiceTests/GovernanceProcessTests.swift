import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
@testable import SluiceStore
import Testing

/// Governance across real `sluice` processes: the ledger survives SIGTERM, and two gateways
/// sharing one PostgreSQL database keep one budget between them.
@Suite("Governance across gateway processes", .serialized)
struct GovernanceProcessTests {
    static let models = """
        models:
          - name: demo
            deployments:
              - provider: mock
                price: { input_per_million: 1, output_per_million: 2 }
                mock: { completion_tokens: 5 }
          - name: demo-slow
            deployments:
              - provider: mock
                mock: { time_to_first_token: 20ms, tokens_per_second: 20, completion_tokens: 20 }

        """

    static let admin = "sk-admin-0123456789abcdef"

    private func chatRequest(_ baseURL: String, model: String, stream: Bool, key: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: baseURL + "/v1/chat/completions")
        request.method = .POST
        request.headers.add(name: "authorization", value: "Bearer \(key)")
        request.body = .bytes(ByteBuffer(string: #"{"model":"\#(model)","messages":[{"role":"user","content":"Say hello"}],"max_tokens":5,"stream":\#(stream)}"#))
        return request
    }

    private func chat(_ baseURL: String, model: String = "demo", stream: Bool = false, key: String = "sk-test") async throws -> (Int, String) {
        let response = try await HTTPClient.shared.execute(self.chatRequest(baseURL, model: model, stream: stream, key: key), timeout: .seconds(30))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }

    @Test func noLedgerRowIsLostOnSIGTERM() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-sigterm-\(UUID().uuidString).sqlite").path
        // A flush interval longer than the test: every row is written by the final flush.
        let gateway = try await SluiceProcess.start(config: """
            log: { level: warning }
            auth: { api_keys: [sk-test] }
            store: { sqlite: \(path), ledger_flush_interval: 1h }
            """ + "\n" + Self.models)
        for index in 0..<30 {
            let (status, _) = try await self.chat(gateway.baseURL, stream: index % 2 == 0)
            #expect(status == 200)
        }
        // A stream still running when SIGTERM arrives finishes, and is recorded too: the signal
        // goes once its first bytes arrived.
        let (started, signal) = AsyncStream.makeStream(of: Void.self)
        let request = self.chatRequest(gateway.baseURL, model: "demo-slow", stream: true, key: "sk-test")
        let slow = Task {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            var body = ""
            for try await chunk in response.body {
                body += String(buffer: chunk)
                signal.yield()
            }
            return (Int(response.status.code), body)
        }
        var iterator = started.makeAsyncIterator()
        _ = await iterator.next()
        let status = await gateway.terminate()
        #expect(status == 0, "\(gateway.output)")
        let (slowStatus, slowBody) = try await slow.value
        #expect(slowStatus == 200)
        #expect(slowBody.hasSuffix("data: [DONE]\n\n"))

        let store = try SQLiteStore(path: path)
        let rows = try await store.usage(UsageQuery(limit: 1000))
        #expect(rows.count == 31)
        #expect(rows.filter { $0.model == "demo" }.allSatisfy { $0.status == 200 && $0.completionTokens == 5 && $0.costMicroUSD == 19 })
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["SLUICE_TEST_POSTGRES_URL"] != nil || ProcessInfo.processInfo.environment["SLUICE_REQUIRE_POSTGRES"] == "1"))
    func twoGatewaysSharingPostgreSQLKeepOneBudget() async throws {
        let base = try #require(ProcessInfo.processInfo.environment["SLUICE_TEST_POSTGRES_URL"], "SLUICE_REQUIRE_POSTGRES=1 without SLUICE_TEST_POSTGRES_URL")
        let schema = "sluice_two_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let url = base + (base.contains("?") ? "&" : "?") + "schema=\(schema)"
        let config = """
            log: { level: warning }
            auth: { api_keys: [sk-test], admin_key: \(Self.admin) }
            store: { postgres: "\(url)", ledger_flush_interval: 100ms, key_refresh_interval: 200ms }
            """ + "\n" + Self.models
        let first = try await SluiceProcess.start(config: config)
        let second: SluiceProcess
        do {
            second = try await SluiceProcess.start(config: config)
        } catch {
            _ = await first.terminate()
            throw error
        }
        _ = try await first.create("tenants", #"{"id":"acme"}"#, adminKey: Self.admin)
        let key = try #require(try await first.create("keys", #"{"name":"shared","tenant_id":"acme"}"#, adminKey: Self.admin)["key"] as? String)
        // One answer costs 19 micro-dollars (9 prompt tokens at $1/M, 5 completion at $2/M): room for 50.
        _ = try await first.create("budgets", #"{"scope":"tenant","scope_id":"acme","unit":"usd","period":"month","limit":0.00095}"#, adminKey: Self.admin)
        // Creating a budget through a gateway makes it read every budget from the store before it
        // answers, so a bystander's budget created through the second one makes it enforce acme's.
        _ = try await second.create("tenants", #"{"id":"bystander"}"#, adminKey: Self.admin)
        _ = try await second.create("budgets", #"{"scope":"tenant","scope_id":"bystander","unit":"usd","period":"month","limit":1}"#, adminKey: Self.admin)

        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<200 {
                let gateway = index % 2 == 0 ? first : second
                group.addTask { try await self.chat(gateway.baseURL, key: key).0 }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(await first.terminate() == 0)
        #expect(await second.terminate() == 0)
        let admitted = statuses.filter { $0 == 200 }.count
        #expect(admitted <= 50)
        #expect(admitted >= 10)
        #expect(statuses.allSatisfy { $0 == 200 || $0 == 429 })

        var logger = Logger(label: "test")
        logger.logLevel = .error
        let store = try PostgresStore(url: url, logger: logger)
        let pool = Task { await store.run() }
        defer { pool.cancel() }
        let rows = try await store.usage(UsageQuery(tenantID: "acme", limit: 1000))
        #expect(rows.count == 200)
        #expect(rows.reduce(0) { $0 + $1.costMicroUSD } <= 950)
        #expect(Set(rows.filter { $0.status == 200 }.map(\.requestID)).count == admitted)
        try await store.execute("DROP SCHEMA IF EXISTS \(unescaped: schema) CASCADE")
    }
}
