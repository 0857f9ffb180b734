import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
@testable import SluiceStore
import Testing

/// A real `sluice` process in front of a real PostgreSQL server that is stopped mid-traffic and
/// started again: known keys keep working for their grace and then get 503, budgets that need
/// the store fail closed, `/ready` tells the store's state and the ledger's backlog, ledger rows
/// wait in memory and on disk (across a restart of the gateway too), and once the store is back
/// every answered request has exactly one row and the budget's spend equals the rows' cost.
@Suite("The governance store goes down and comes back", .serialized)
struct StoreOutageTests {
    static let admin = "sk-admin-0123456789abcdef"

    /// What the client saw of one request.
    private struct Answer {
        let status: Int
        let requestID: String
        let body: String
    }

    private func chat(_ gateway: SluiceProcess, key: String, stream: Bool = false) async throws -> Answer {
        var request = HTTPClientRequest(url: gateway.baseURL + "/v1/chat/completions")
        request.method = .POST
        request.headers.add(name: "authorization", value: "Bearer \(key)")
        request.body = .bytes(ByteBuffer(string: #"{"model":"demo","messages":[{"role":"user","content":"Say hello"}],"max_tokens":5,"stream":\#(stream)}"#))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
        return Answer(status: Int(response.status.code), requestID: response.headers.first(name: "x-request-id") ?? "", body: body)
    }

    /// `/ready`'s `store` object.
    private func storeState(_ gateway: SluiceProcess) async throws -> [String: Any] {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: gateway.baseURL + "/ready"), timeout: .seconds(10))
        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        let ready = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        return try #require(ready?["store"] as? [String: Any], "no store in /ready: \(text)")
    }

    /// Polls `/ready` until `condition` holds of the store's state (at most 30 s).
    private func waitForStore(_ gateway: SluiceProcess, _ what: String, until condition: ([String: Any]) -> Bool) async throws -> [String: Any] {
        for _ in 0..<300 {
            let state = try await self.storeState(gateway)
            if condition(state) { return state }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the store never became \(what): \(try await self.storeState(gateway))")
        return try await self.storeState(gateway)
    }

    @Test(.enabled(if: ThrowawayPostgres.available))
    func postgreSQLStoppedAndStartedLosesNoLedgerRow() async throws {
        let postgres = try await ThrowawayPostgres()
        do {
            try await self.outage(postgres)
        } catch {
            await postgres.remove()
            throw error
        }
        await postgres.remove()
    }

    private func outage(_ postgres: ThrowawayPostgres) async throws {
        let spill = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-spill-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: spill) }
        let config = """
            log: { level: warning }
            auth: { admin_key: \(Self.admin) }
            store:
              postgres: "\(postgres.url)?connect_timeout=1"
              ledger_flush_interval: 100ms
              key_refresh_interval: 200ms
              ledger_buffer_rows: 5
              ledger_spill_dir: \(spill)
              when_unreachable: { known_keys_for: 3s }
            models:
              - name: demo
                deployments:
                  - provider: mock
                    price: { input_per_million: 1, output_per_million: 2 }
                    mock: { completion_tokens: 5 }
            """
        var gateway = try await SluiceProcess.start(config: config)
        defer { gateway.kill() }
        _ = try await gateway.create("tenants", #"{"id":"acme"}"#, adminKey: Self.admin)
        _ = try await gateway.create("tenants", #"{"id":"beta"}"#, adminKey: Self.admin)
        let key = try #require(try await gateway.create("keys", #"{"name":"steady","tenant_id":"acme"}"#, adminKey: Self.admin)["key"] as? String)
        let coldKey = try #require(try await gateway.create("keys", #"{"name":"cold","tenant_id":"beta"}"#, adminKey: Self.admin)["key"] as? String)
        let budget = try #require(
            try await gateway.create("budgets", #"{"scope":"tenant","scope_id":"acme","unit":"usd","period":"total","limit":10}"#, adminKey: Self.admin)["id"] as? String
        )
        _ = try await gateway.create("budgets", #"{"scope":"tenant","scope_id":"beta","unit":"usd","period":"total","limit":10}"#, adminKey: Self.admin)

        var answered: [Answer] = []
        for index in 0..<10 { answered.append(try await self.chat(gateway, key: key, stream: index % 2 == 0)) }
        #expect(answered.allSatisfy { $0.status == 200 })

        try await postgres.stop()
        // Within the grace a known key is served from the budget lease already held.
        for index in 0..<20 { answered.append(try await self.chat(gateway, key: key, stream: index % 2 == 0)) }
        #expect(answered.allSatisfy { $0.status == 200 }, "\(answered.filter { $0.status != 200 }.map(\.body))")
        let outage = try await self.waitForStore(gateway, "unreachable with rows spilled") { state in
            state["state"] as? String == "unreachable" && (state["ledger"] as? [String: Any])?["spilled_batches"] as? Int ?? 0 >= 1
        }
        #expect((outage["error"] as? String)?.isEmpty == false)

        // A budget with no capacity leased here fails closed; a key never seen cannot be checked.
        let cold = try await self.chat(gateway, key: coldKey)
        #expect(cold.status == 503 && cold.body.contains("store_unavailable"), "\(cold.status) \(cold.body)")
        let unseen = try await self.chat(gateway, key: "sk-sluice-" + String(repeating: "Z", count: 32))
        #expect(unseen.status == 503 && unseen.body.contains("store_unavailable"), "\(unseen.status) \(unseen.body)")

        // Past the grace, known keys are refused too.
        var refused: Answer?
        for _ in 0..<100 where refused == nil {
            let answer = try await self.chat(gateway, key: key)
            if answer.status == 200 { answered.append(answer) } else { refused = answer }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(refused?.status == 503 && refused?.body.contains("store_unavailable") == true, "\(String(describing: refused))")

        // The gateway stops while the store is down: what it holds goes to disk.
        #expect(await gateway.terminate() == 0, "\(gateway.output)")
        let spilled = (try? FileManager.default.contentsOfDirectory(atPath: spill)) ?? []
        #expect(!spilled.isEmpty)

        try await postgres.start()
        gateway = try await SluiceProcess.start(config: config)
        _ = try await self.waitForStore(gateway, "reachable with the backlog written") { state in
            let ledger = state["ledger"] as? [String: Any]
            return state["state"] as? String == "reachable" && ledger?["buffered_rows"] as? Int == 0 && ledger?["spilled_batches"] as? Int == 0
        }
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: spill)) ?? []).isEmpty)
        #expect(try await self.chat(gateway, key: key).status == 200)
        #expect(await gateway.terminate() == 0, "\(gateway.output)")

        var logger = Logger(label: "test")
        logger.logLevel = .error
        let store = try PostgresStore(url: postgres.url, logger: logger)
        let pool = Task { await store.run() }
        defer { pool.cancel() }
        let rows = try await store.usage(UsageQuery(tenantID: "acme", limit: 10_000))
        let served = answered.map(\.requestID)
        #expect(answered.count >= 30)
        // One row for each answer, plus the request after the restart; none twice.
        #expect(rows.count == served.count + 1)
        #expect(Set(rows.map(\.requestID)).isSuperset(of: served))
        #expect(rows.allSatisfy { $0.status == 200 && $0.costMicroUSD == 19 })
        let spent = try await store.budgetUsage(BudgetPeriodKey(budgetID: budget, periodStart: 0), now: Int64(Date().timeIntervalSince1970), leaseTTL: 30).spent
        #expect(spent == rows.reduce(0) { $0 + $1.costMicroUSD })
        let coldRows = try await store.usage(UsageQuery(tenantID: "beta", limit: 100))
        #expect(coldRows.map(\.requestID) == [cold.requestID])
    }

    /// Another process holds the SQLite file's write lock for longer than the gateway's busy
    /// timeout: ledger writes fail, `/ready` says so, and once the lock is gone every row is there once.
    @Test func aLockedSQLiteFileLosesNoLedgerRow() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-locked-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/sluice.db"
        let gateway = try await SluiceProcess.start(config: """
            log: { level: error }
            auth: { api_keys: [sk-test] }
            store: { sqlite: \(path), ledger_flush_interval: 100ms, ledger_spill_dir: \(folder)/spill }
            models:
              - name: demo
                deployments:
                  - provider: mock
                    mock: { completion_tokens: 5 }
            """)
        defer { gateway.kill() }
        // A writer of its own that takes the file's write lock and keeps it for 8 s.
        let locker = Process()
        locker.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        locker.arguments = [
            "python3", "-c",
            "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1], isolation_level=None); c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); time.sleep(8); c.execute('COMMIT')",
            path,
        ]
        let lockedOutput = Pipe()
        locker.standardOutput = lockedOutput
        try locker.run()
        _ = lockedOutput.fileHandleForReading.availableData  // "locked"

        var answered: [Answer] = []
        for index in 0..<20 { answered.append(try await self.chat(gateway, key: "sk-test", stream: index % 2 == 0)) }
        #expect(answered.allSatisfy { $0.status == 200 })
        let outage = try await self.waitForStore(gateway, "unreachable") { $0["state"] as? String == "unreachable" }
        #expect((outage["ledger"] as? [String: Any])?["buffered_rows"] as? Int ?? 0 > 0)
        while locker.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        _ = try await self.waitForStore(gateway, "reachable with the backlog written") { state in
            state["state"] as? String == "reachable" && (state["ledger"] as? [String: Any])?["buffered_rows"] as? Int == 0
        }
        #expect(await gateway.terminate() == 0, "\(gateway.output)")

        let rows = try await SQLiteStore(path: path).usage(UsageQuery(limit: 1_000))
        #expect(rows.count == answered.count)
        #expect(Set(rows.map(\.requestID)) == Set(answered.map(\.requestID)))
    }
}
