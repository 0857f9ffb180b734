import Foundation
import NIOCore
import Testing

@testable import SluiceServer

@Suite("Prometheus metrics on /metrics, over HTTP")
struct MetricsTests {
    /// Breakers open at the first failure and are not probed, so their state is known.
    static var settings: String { GatewayHarness.governanceSettings(extra: "resilience: { breaker: { failures: 1, probe_interval: 1h } }\n") }

    /// Plain and streamed answers, a retry, a fallback, an upstream 4xx, an unknown model, a
    /// deployment rate limit, a budget refusal and a failure that opens a breaker; returns the
    /// number of requests that reached routing.
    private func driveTrafficMix(_ client: TestClient) async throws -> Int {
        #expect(try await client.chat(model: "stub-ok").status == 200)
        #expect(try await client.chat(model: "stub-ok", stream: true, extra: #","stream_options":{"include_usage":true}"#).status == 200)
        #expect(try await client.chat(model: "flaky").status == 200)
        #expect(try await client.chat(model: "stub-error-400").status == 400)
        #expect(try await client.chat(model: "no-such-model").status == 404)
        #expect(try await client.chat(model: "primary").status == 200)
        for expected in [200, 200, 429] {
            #expect(try await client.chat(model: "limited").status == expected)
        }
        let key = try await self.tenantKey(client, budgetUSD: 0.000001)
        let refused = try await client.chat(model: "stub-ok", key: key)
        #expect(refused.status == 429)
        #expect(refused.error["code"] as? String == "budget_exceeded")
        #expect(try await client.chat(model: "dead").status == 502)
        return 10
    }

    /// A key of tenant `acme`, with a daily budget.
    private func tenantKey(_ client: TestClient, budgetUSD: Double) async throws -> String {
        func admin(_ path: String, _ body: String) async throws -> [String: Any] {
            let reply = try await client.request(.POST, "/admin/" + path, body: body, key: GatewayHarness.adminKey)
            #expect(reply.status == 201, "\(reply.body)")
            return reply.json
        }
        _ = try await admin("tenants", #"{"id":"acme","name":"Acme"}"#)
        let created = try await admin("keys", #"{"name":"metrics","tenant_id":"acme"}"#)
        let id = try #require(created["id"] as? String)
        _ = try await admin("budgets", #"{"scope":"key","scope_id":"\#(id)","unit":"usd","period":"day","limit":\#(budgetUSD)}"#)
        return try #require(created["key"] as? String)
    }

    private func scrape(_ client: TestClient) async throws -> PrometheusExposition {
        let reply = try await client.request(.GET, "/metrics", key: nil)
        #expect(reply.status == 200)
        #expect(reply.headers.first(name: "content-type") == MetricsController.contentType)
        return PrometheusExposition(reply.body)
    }

    @Test func aMixOfRequestsIsCountedExactly() async throws {
        try await withGateway(settings: Self.settings) { harness, client in
            let routed = try await self.driveTrafficMix(client)
            _ = try await harness.waitForRecords(routed)
            let metrics = try await self.scrape(client)

            #expect(metrics.value("sluice_requests_total") == 11)
            #expect(metrics.value("gen_ai_client_operation_duration_seconds_count") == 11)
            let okAnswers = ["gen_ai_request_model": "stub-ok", "tenant": "none"]
            #expect(metrics.value("sluice_requests_total", okAnswers.merging(["status_code": "200", "error_type": "", "deployment": "openai:ok", "gen_ai_provider_name": "openai", "gen_ai_operation_name": "chat"]) { $1 }) == 2)
            #expect(metrics.value("sluice_requests_total", ["gen_ai_request_model": "unknown", "status_code": "404", "error_type": "model_not_found"]) == 1)
            #expect(metrics.value("sluice_requests_total", ["gen_ai_request_model": "stub-error-400", "status_code": "400", "error_type": "other"]) == 1, "an upstream's own code is no label value")
            #expect(metrics.value("sluice_requests_total", ["gen_ai_request_model": "flaky", "gen_ai_response_model": "flaky", "deployment": "openai:ok", "status_code": "200"]) == 1)
            #expect(metrics.value("sluice_requests_total", ["gen_ai_request_model": "dead", "status_code": "502", "error_type": "bad_gateway", "deployment": "none"]) == 1)

            #expect(metrics.value("gen_ai_client_token_usage_sum", okAnswers.merging(["gen_ai_token_type": "input"]) { $1 }) == 19 + 9)
            #expect(metrics.value("gen_ai_client_token_usage_sum", okAnswers.merging(["gen_ai_token_type": "output"]) { $1 }) == 10 + 3)
            #expect(metrics.value("gen_ai_client_token_usage_sum", okAnswers.merging(["gen_ai_token_type": "cached_input"]) { $1 }) == 4)
            #expect(metrics.value("gen_ai_client_token_usage_count", okAnswers.merging(["gen_ai_token_type": "input"]) { $1 }) == 2)
            // $1 and $2 per million tokens: (19 + 9) input and (10 + 3) output tokens.
            #expect(abs(metrics.value("sluice_request_cost_usd_total", okAnswers) - 54e-6) < 1e-12)
            #expect(metrics.value("gen_ai_server_time_to_first_token_seconds_count", ["gen_ai_request_model": "stub-ok"]) == 1)
            #expect(metrics.value("gen_ai_server_time_per_output_token_seconds_count", ["gen_ai_request_model": "stub-ok"]) == 1)
            #expect(metrics.value("sluice_gateway_overhead_seconds_count") == 6, "every answered request: stub-ok twice, flaky, primary, limited twice")

            #expect(metrics.value("sluice_retries_total", ["gen_ai_request_model": "flaky"]) == 1)
            #expect(metrics.value("sluice_retries_total", ["gen_ai_request_model": "primary"]) == 1)
            #expect(metrics.value("sluice_retries_total") == 2)
            #expect(metrics.value("sluice_fallbacks_total", ["gen_ai_request_model": "primary", "gen_ai_response_model": "stub-ok"]) == 1)
            #expect(metrics.value("sluice_fallbacks_total") == 1)
            #expect(metrics.value("sluice_rate_limited_total", ["gen_ai_request_model": "limited", "tenant": "none"]) == 1)
            #expect(metrics.value("sluice_budget_exceeded_total", ["gen_ai_request_model": "stub-ok", "tenant": "acme"]) == 1)
            #expect(metrics.value("sluice_upstream_errors_total", ["deployment": "openai:error-500", "reason": "bad_gateway"]) == 3, "flaky, primary and dead")
            #expect(metrics.value("sluice_upstream_errors_total", ["deployment": "openai:error-400", "reason": "other"]) == 1)
            #expect(metrics.value("sluice_upstream_errors_total") == 4)

            #expect(metrics.samples.contains { $0.name == "sluice_requests_in_flight" && $0.value == 0 })
            #expect(metrics.value("sluice_circuit_breaker_state", ["model": "dead", "deployment": "openai:error-500"]) == 2)
            #expect(metrics.value("sluice_circuit_breaker_state", ["model": "flaky", "deployment": "openai:error-500"]) == 2)
            #expect(metrics.value("sluice_circuit_breaker_state", ["model": "stub-ok", "deployment": "openai:ok"]) == 0)
        }
    }

    @Test func countersSurviveAConfigReloadAndARemovedModelsBreakerIsDropped() async throws {
        let settings = GatewayHarness.defaultSettings.replacingOccurrences(
            of: "auth: { api_keys: [sk-test, sk-other] }", with: "auth: { api_keys: [sk-test], admin_key: \(GatewayHarness.adminKey) }"
        )
        try await withGateway(settings: settings) { harness, client in
            #expect(try await client.chat(model: "demo").status == 200)
            #expect(try await self.scrape(client).value("sluice_circuit_breaker_state", ["model": "mock-503"]) == 0)
            let yaml = try String(contentsOfFile: harness.configPath, encoding: .utf8)
            let removed = yaml.replacingOccurrences(of: "- name: mock-503\n", with: "- name: mock-503-renamed\n")
            #expect(removed != yaml)
            try removed.write(toFile: harness.configPath, atomically: true, encoding: .utf8)
            #expect(try await client.request(.POST, "/admin/reload", key: GatewayHarness.adminKey).status == 200)
            #expect(try await client.chat(model: "demo").status == 200)
            let metrics = try await self.scrape(client)
            #expect(metrics.value("sluice_requests_total", ["gen_ai_request_model": "demo"]) == 2, "one counter across the reload")
            #expect(!metrics.values(of: "model").contains("mock-503"))
            #expect(metrics.values(of: "model").contains("mock-503-renamed"))
        }
    }

    @Test func aStreamIsInFlightUntilItsLastByte() async throws {
        try await withGateway { harness, client in
            async let slow = client.chat(model: "mock-slow", stream: true, extra: #","max_tokens":20"#)
            var inFlight = 0.0
            for _ in 0..<2000 where inFlight == 0 {
                try await Task.sleep(for: .milliseconds(5))
                inFlight = try await self.scrape(client).value("sluice_requests_in_flight")
            }
            #expect(inFlight == 1)
            #expect(try await slow.status == 200)
            _ = try await harness.waitForRecords(1)
            #expect(try await self.scrape(client).value("sluice_requests_in_flight") == 0)
        }
    }

    @Test func unknownModelNamesAddNoLabelValues() async throws {
        try await withGateway { _, client in
            let names = (0..<300).map { _ in "model-\(UUID().uuidString)" }
            let statuses = try await withThrowingTaskGroup(of: [Int].self) { group in
                for slice in stride(from: 0, to: names.count, by: 30).map({ names[$0..<($0 + 30)] }) {
                    group.addTask {
                        var statuses: [Int] = []
                        for name in slice { statuses.append(try await client.chat(model: name).status) }
                        return statuses
                    }
                }
                return try await group.reduce(into: [Int]()) { $0 += $1 }
            }
            #expect(statuses == Array(repeating: 404, count: 300))
            let reply = try await client.request(.GET, "/metrics", key: nil)
            let metrics = PrometheusExposition(reply.body)
            #expect(metrics.values(of: "gen_ai_request_model") == ["unknown"])
            #expect(metrics.value("sluice_requests_total", ["gen_ai_request_model": "unknown"]) == 300)
            #expect(!reply.body.contains("model-"), "no client-chosen name appears anywhere")
        }
    }

    @Test func tenantsBeyondTheLimitShareOneLabelValue() {
        let metrics = GatewayMetrics()
        for index in 0..<300 {
            metrics.requestStarted()
            metrics.record(RequestRecord(
                requestID: "r\(index)", endpoint: .chatCompletions, model: "demo", servedModel: "demo", deployment: "mock:demo", stream: false,
                status: 200, attempts: 1, cost: 0, latency: .milliseconds(5), tenantID: "tenant-\(index)"
            ))
        }
        let exposition = PrometheusExposition(String(buffer: metrics.exposition(breakers: [])))
        let tenants = exposition.values(of: "tenant")
        #expect(tenants.count == GatewayMetrics.tenantLimit + 1)
        #expect(tenants.contains("other"))
        #expect(exposition.value("sluice_requests_total", ["tenant": "other"]) == Double(300 - GatewayMetrics.tenantLimit))
        #expect(exposition.value("sluice_requests_in_flight") == 0)
    }

    @Test func everyMetricTheDashboardQueriesIsExported() async throws {
        let dashboardURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("deploy/grafana/sluice-dashboard.json")
        let dashboard = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dashboardURL)) as? [String: Any])
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        let variables = (dashboard["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? []
        let queries = panels.flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
            + variables.compactMap { ($0["query"] as? [String: Any])?["query"] as? String }
        #expect(queries.count >= 20)
        let pattern = try NSRegularExpression(pattern: #"\b(?:sluice|gen_ai)_[a-z_]+"#)
        let identifiers = Set(queries.flatMap { query in
            pattern.matches(in: query, range: NSRange(query.startIndex..., in: query)).map { String(query[Range($0.range, in: query)!]) }
        })
        try await withGateway(settings: Self.settings) { harness, client in
            _ = try await harness.waitForRecords(try await self.driveTrafficMix(client))
            let metrics = try await self.scrape(client)
            let labels = Set(metrics.samples.flatMap(\.labels.keys))
            for identifier in identifiers.sorted() {
                let family = ["_bucket", "_sum", "_count"].first { identifier.hasSuffix($0) }.map { String(identifier.dropLast($0.count)) } ?? identifier
                #expect(
                    metrics.families.contains(family) || labels.contains(identifier),
                    "the dashboard queries \(identifier), which /metrics exports neither as a metric nor as a label"
                )
            }
        }
    }
}
