import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

@testable import SluiceServer

/// `GET /ui` and `GET /admin/stats` on a running gateway, the page's scripts run in headless
/// Chromium. CI installs Chromium and sets `SLUICE_REQUIRE_CHROMIUM=1`, so there a missing
/// browser fails instead of skipping.
@Suite("Dashboard")
struct DashboardTests {
    static var chromiumRequired: Bool { ProcessInfo.processInfo.environment["SLUICE_REQUIRE_CHROMIUM"] == "1" }

    static var chromium: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").flatMap { directory in ["chromium", "chromium-browser"].map { "\(directory)/\($0)" } }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    private static func basic(_ password: String, user: String = "admin") -> [String: String] {
        ["authorization": "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()]
    }

    /// A JSON number, whole or not.
    private static func number(_ value: Any?) -> Double? {
        (value as? Double) ?? (value as? Int).map(Double.init)
    }

    private static func json(_ reply: TestClient.Reply) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any], "\(reply.body)")
    }

    /// Traffic of two tenants and the static key: answers, upstream errors, refusals and streams.
    /// Returns the number of requests sent.
    private static func sendTraffic(_ client: TestClient) async throws -> Int {
        var sent = 0
        for tenant in ["acme", "globex"] {
            #expect(try await client.request(.POST, "/admin/tenants", body: #"{"id":"\#(tenant)"}"#, key: GatewayHarness.adminKey).status == 201)
            let created = try Self.json(try await client.request(.POST, "/admin/keys", body: #"{"name":"ci","tenant_id":"\#(tenant)"}"#, key: GatewayHarness.adminKey))
            let key = try #require(created["key"] as? String)
            for _ in 0..<(tenant == "acme" ? 3 : 1) {
                #expect(try await client.chat(model: "stub-ok", key: key).status == 200)
                sent += 1
            }
        }
        for _ in 0..<2 {
            #expect(try await client.chat(model: "stub-ok").status == 200)
            #expect(try await client.chat(model: "stub-ok", stream: true).status == 200)
            #expect(try await client.chat(model: "dead").status >= 500)
            #expect(try await client.chat(model: "stub-error-400").status == 400)
            sent += 4
        }
        return sent
    }

    @Test func theDashboardWantsTheAdminKeyAndAsksABrowserForIt() async throws {
        try await withGateway(settings: GatewayHarness.governanceSettings()) { _, client in
            for headers in [[:], Self.basic("wrong"), Self.basic("sk-test"), ["authorization": "Basic not-base64"]] {
                let refused = try await client.request(.GET, "/ui", key: nil, headers: headers)
                #expect(refused.status == 401)
                #expect(refused.headers["www-authenticate"] == [#"Basic realm="sluice admin""#])
                #expect(!refused.body.contains("<html"))
            }
            #expect(try await client.request(.GET, "/ui", key: "sk-test").status == 401, "a client key is not the admin key")
            #expect(try await client.request(.GET, "/admin/stats", key: nil).headers["www-authenticate"] == [#"Basic realm="sluice admin""#])

            let accepted: [(key: String?, headers: [String: String])] = [
                (nil, Self.basic(GatewayHarness.adminKey)), (nil, Self.basic(GatewayHarness.adminKey, user: "")), (GatewayHarness.adminKey, [:]),
            ]
            for (key, headers) in accepted {
                let page = try await client.request(.GET, "/ui", key: key, headers: headers)
                #expect(page.status == 200)
                #expect(page.headers["content-type"] == ["text/html; charset=utf-8"])
                #expect(page.body.contains(#"<svg class="chart" id="chart-rate">"#))
                #expect(try await client.request(.GET, "/admin/stats", key: key, headers: headers).status == 200)
            }
            #expect(try await client.request(.GET, "/admin/stats?step=0", key: GatewayHarness.adminKey).status == 400)
        }
    }

    @Test func theStatisticsMatchTheTrafficSent() async throws {
        try await withGateway(settings: GatewayHarness.governanceSettings()) { harness, client in
            let sent = try await Self.sendTraffic(client)
            let records = try await harness.waitForRecords(sent)
            #expect(records.count == sent)
            let stats = try Self.json(try await client.request(.GET, "/admin/stats", key: GatewayHarness.adminKey))
            let traffic = try #require(stats["traffic"] as? [String: Any])

            let totals = try #require(traffic["totals"] as? [String: Any])
            #expect(totals["requests"] as? Int == sent)
            #expect(totals["errors"] as? Int == records.filter { $0.status >= 400 }.count)
            #expect(totals["errors"] as? Int == 4)
            #expect(totals["input_tokens"] as? Int == records.reduce(0) { $0 + ($1.usage?.promptTokens ?? 0) })
            #expect(totals["output_tokens"] as? Int == records.reduce(0) { $0 + ($1.usage?.completionTokens ?? 0) })
            let spend = Double(records.reduce(0) { $0 + $1.costMicroUSD }) / 1_000_000
            #expect(spend > 0)
            #expect(abs((Self.number(totals["cost_usd"]) ?? 0) - spend) < 1e-12)

            let window = try #require(traffic["window"] as? [String: Any])
            #expect(window["requests"] as? Int == sent)
            #expect(window["errors"] as? Int == 4)
            let latency = try #require(window["latency_ms"] as? [String: Any])
            let (p50, p95, p99) = (Self.number(latency["p50"]) ?? 0, Self.number(latency["p95"]) ?? 0, Self.number(latency["p99"]) ?? 0)
            let slowest = records.map { Double(LiveStats.microseconds($0.latency)) / 1000 }.max() ?? 0
            #expect(p50 > 0 && p50 <= p95 && p95 <= p99)
            #expect(abs(p99 - slowest) <= slowest / 16 + 0.07, "p99 \(p99) is the slowest, \(slowest) ms, within the histogram's precision")
            #expect(window["ttft_ms"] as? [String: Any] != nil, "the streams had a first token")

            let series = try #require(traffic["series"] as? [[String: Any]])
            #expect(series.reduce(0) { $0 + ($1["requests"] as? Int ?? 0) } == sent)
            #expect(series.reduce(0) { $0 + ($1["errors"] as? Int ?? 0) } == 4)
            #expect(traffic["step_seconds"] as? Int == 1)

            let usage = try #require(traffic["usage"] as? [[String: Any]])
            func row(_ tenant: String?, _ model: String) -> [String: Any]? {
                usage.first { $0["tenant_id"] as? String == tenant && $0["model"] as? String == model }
            }
            let acme = try #require(row("acme", "stub-ok")?["total"] as? [String: Any])
            #expect(acme["requests"] as? Int == 3)
            #expect(acme["input_tokens"] as? Int == 3 * 19)
            #expect(abs((Self.number(acme["cost_usd"]) ?? 0) - 0.000117) < 1e-12)
            #expect((row("globex", "stub-ok")?["window"] as? [String: Any])?["requests"] as? Int == 1)
            #expect((row(nil, "stub-ok")?["total"] as? [String: Any])?["requests"] as? Int == 4)
            #expect((row(nil, "dead")?["total"] as? [String: Any])?["errors"] as? Int == 2)
            let spends = usage.map { Self.number(($0["total"] as? [String: Any])?["cost_usd"]) ?? -1 }
            #expect(spends == spends.sorted(by: >), "the biggest spenders first")

            let deployments = try #require(stats["deployments"] as? [[String: Any]])
            #expect(deployments.contains { $0["model"] as? String == "stub-ok" && $0["state"] as? String == "closed" })
        }
    }

    @Test(.enabled(if: Self.chromiumRequired || Self.chromium != nil, "chromium is not installed"), .timeLimit(.minutes(1)))
    func theDashboardDrawsTheTrafficInABrowser() async throws {
        let chromium = try #require(Self.chromium, "SLUICE_REQUIRE_CHROMIUM=1 but no chromium on PATH")
        try await withGateway(settings: GatewayHarness.governanceSettings()) { harness, client in
            // Traffic in three different seconds, so that the lines have several points.
            var sent = try await Self.sendTraffic(client)
            for _ in 0..<2 {
                try await Task.sleep(for: .seconds(1))
                #expect(try await client.chat(model: "stub-ok", stream: true).status == 200)
                #expect(try await client.chat(model: "stub-ok").status == 200)
                sent += 2
            }
            _ = try await harness.waitForRecords(sent)
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-dashboard-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let url = harness.baseURL.replacingOccurrences(of: "http://", with: "http://admin:\(GatewayHarness.adminKey)@") + "/ui"

            let dom = try await Self.run(chromium, ["--dump-dom", url], profile: directory.appendingPathComponent("profile-dom"))
            #expect(dom.contains(#"<span id="updated">updated "#), "the page fetched /admin/stats: \(dom.suffix(2000))")
            #expect(dom.contains(#"<div class="value" id="total-requests">\#(sent)</div>"#))
            for name in ["requests/s", "p50", "p99"] {
                let points = Self.points(of: name, in: dom)
                #expect(points.contains { $0 >= 3 }, "\(name): \(points) points")
            }
            #expect(dom.contains(#"<tr data-tenant="acme" data-model="stub-ok">"#))
            #expect(dom.contains(#"data-deployment="openai:ok" data-state="closed">"#))
            #expect(dom.contains(#"<span class="state closed">closed</span>"#))
            #expect(!dom.contains(#"id="problem" style="display: block"#))

            let screenshot = directory.appendingPathComponent("dashboard.png")
            _ = try await Self.run(
                chromium, ["--screenshot=\(screenshot.path)", "--window-size=1280,900", "--hide-scrollbars", url],
                profile: directory.appendingPathComponent("profile-screenshot")
            )
            let png = try Data(contentsOf: screenshot)
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
            #expect(png.count > 30_000, "a page with charts, not a blank one: \(png.count) bytes")
            print("dashboard screenshot: \(screenshot.path)")
        }
    }

    /// The `data-points` of each chart line named `name` in the dumped DOM.
    private static func points(of name: String, in dom: String) -> [Int] {
        dom.components(separatedBy: #"data-name="\#(name)" data-points=""#).dropFirst().compactMap { Int($0.prefix { $0.isNumber }) }
    }

    /// Runs headless Chromium on `arguments` with a fresh profile; returns what it printed.
    private static func run(_ chromium: String, _ arguments: [String], profile: URL) async throws -> String {
        let output = profile.deletingLastPathComponent().appendingPathComponent(profile.lastPathComponent + ".out")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(profile.path)",
            // Polls every 2 s: several rounds of virtual time, fetches included.
            "--virtual-time-budget=5000",
        ] + arguments
        process.standardOutput = handle
        process.standardError = FileHandle.nullDevice
        // Waits without holding a thread: the gateway answering the page runs in this process.
        try await withCheckedThrowingContinuation { (finished: CheckedContinuation<Void, any Error>) in
            process.terminationHandler = { _ in finished.resume() }
            do { try process.run() } catch { finished.resume(throwing: error) }
        }
        try handle.close()
        #expect(process.terminationStatus == 0, "chromium exited with \(process.terminationStatus)")
        return (try? String(contentsOf: output, encoding: .utf8)) ?? ""
    }
}
