import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

@testable import SluiceServer

@Suite("Retries, breakers and fallbacks, over HTTP")
struct RoutingTests {
    /// Every deployment's in-flight and outstanding-token counters.
    private func counters(_ harness: GatewayHarness) -> [Int] {
        harness.gateway.catalog.allRoutes.flatMap(\.deployments).flatMap { [$0.health.snapshot.inFlight, $0.health.snapshot.outstandingTokens] }
    }

    @Test(arguments: [false, true])
    func aFailedAttemptIsRetriedOnAnotherDeploymentBeforeTheFirstByte(stream: Bool) async throws {
        try await withGateway { harness, client in
            let reply = try await client.chat(model: "flaky", stream: stream)
            #expect(reply.status == 200)
            #expect(!stream || reply.events.last == "[DONE]")
            #expect(harness.stub.received.map { $0.body.contains(#""model":"error-500""#) } == [true, false])
            let record = try #require(try await harness.waitForRecords(1).first)
            #expect(record.attempts == 2)
            #expect(record.deployment == "openai:ok")
            #expect(record.status == 200)
        }
    }

    @Test func clientErrorsAreNotRetried() async throws {
        try await withGateway { harness, client in
            let reply = try await client.chat(model: "picky")
            #expect(reply.status == 400)
            #expect(harness.stub.received.count == 1)
        }
    }

    @Test func aBreakerOpensAfterConsecutiveFailuresFailsFastAndProbesLater() async throws {
        // Probes are turned off here (a long interval) so that only client traffic probes. The
        // breaker stays open a second, time enough for the next request on a loaded machine.
        let settings = GatewayHarness.defaultSettings + "resilience: { breaker: { failures: 2, open_for: 1s, probe_interval: 1h } }\n"
        try await withGateway(settings: settings) { harness, client in
            #expect(try await client.chat(model: "dead").status == 502)
            #expect(try await client.chat(model: "dead").status == 502)
            let fast = try await client.chat(model: "dead")
            #expect(fast.status == 503)
            #expect(fast.error["code"] as? String == "no_healthy_deployment")
            #expect(fast.headers.first(name: "retry-after") == "1")
            #expect(harness.stub.received.count == 2, "an open breaker sends nothing upstream")

            var state = "open"
            for _ in 0..<500 where state == "open" {
                try await Task.sleep(for: .milliseconds(20))
                let deployments = try await client.request(.GET, "/ready", key: nil).json["deployments"] as? [[String: Any]]
                state = deployments?.first { $0["model"] as? String == "dead" }?["state"] as? String ?? ""
            }
            #expect(state == "half-open")
            #expect(try await client.chat(model: "dead").status == 502, "after the open time one probe goes through")
            #expect(harness.stub.received.count == 3)
            #expect(try await client.chat(model: "dead").status == 503, "the failed probe opened the breaker again")
            let ready = try await client.request(.GET, "/ready", key: nil)
            #expect(ready.body.contains(#""model":"dead","deployment":"openai:error-500","state":"open""#))
        }
    }

    @Test func anActiveProbeClosesTheBreakerWithoutClientTraffic() async throws {
        let settings = GatewayHarness.defaultSettings + "resilience: { breaker: { failures: 1, open_for: 100ms, probe_interval: 50ms } }\n"
        try await withGateway(settings: settings) { _, client in
            #expect(try await client.chat(model: "dead").status == 502)
            let recovered = #""model":"dead","deployment":"openai:error-500","state":"closed""#
            var state = ""
            for _ in 0..<500 where !state.contains(recovered) {
                try await Task.sleep(for: .milliseconds(20))
                state = try await client.request(.GET, "/ready", key: nil).body
            }
            #expect(state.contains(recovered), "the stub answers GET /v1/models, so the probe passes")
        }
    }

    @Test func theModelServersOwnQueueDepthSteersLoadAwareRouting() async throws {
        // A reading stays valid for three intervals; 500 ms leaves a loaded machine room to scrape again in time.
        try await withGateway(settings: GatewayHarness.defaultSettings + "resilience: { metrics_interval: 500ms }\n") { harness, client in
            var ready = ""
            for _ in 0..<500 where !ready.contains(#""waiting":42"#) {
                try await Task.sleep(for: .milliseconds(20))
                ready = try await client.request(.GET, "/ready", key: nil).body
            }
            #expect(ready.contains(#""model":"measured","deployment":"openai:connection-close","state":"closed","in_flight":0,"outstanding_tokens":0,"latency_ms":0,"waiting":42,"kv_cache_usage":0.97"#))
            for _ in 0..<6 {
                #expect(try await client.chat(model: "measured").status == 200)
            }
            #expect(harness.stub.received.allSatisfy { $0.body.contains(#""model":"ok""#) }, "the server with 42 queued requests gets none")
        }
    }

    @Test func aStreamStuckRepeatingItselfReachesTheClientButCountsAgainstTheDeployment() async throws {
        let settings = GatewayHarness.defaultSettings + "resilience: { breaker: { failures: 1, probe_interval: 1h } }\n"
        try await withGateway(settings: settings) { _, client in
            let reply = try await client.chat(model: "stub-loop", stream: true)
            #expect(reply.status == 200)
            #expect(reply.events.last == "[DONE]")
            let ready = try await client.request(.GET, "/ready", key: nil).body
            #expect(ready.contains(#""model":"stub-loop","deployment":"openai:loop","state":"open""#))
        }
    }

    @Test func answersSlowerThanTheConfiguredLimitsCountAgainstTheDeployment() async throws {
        let settings = GatewayHarness.defaultSettings.replacingOccurrences(of: "first_token: 1s", with: "first_token: 5s")
            + "resilience: { breaker: { failures: 1, probe_interval: 1h }, slow: { time_to_first_token: 1s, tokens_per_second: 50 } }\n"
        try await withGateway(settings: settings) { _, client in
            #expect(try await client.chat(model: "demo", stream: true).events.last == "[DONE]")
            #expect(try await client.chat(model: "stub-slow-head", stream: true).events.last == "[DONE]", "a first token after 2 s")
            #expect(try await client.chat(model: "mock-slow", stream: true, extra: #","max_tokens":20"#).events.last == "[DONE]", "40 tokens/s")
            let ready = try await client.request(.GET, "/ready", key: nil).body
            let deployments = try #require((try JSONSerialization.jsonObject(with: Data(ready.utf8)) as? [String: Any])?["deployments"] as? [[String: Any]])
            let states = Dictionary(deployments.map { ($0["model"] as! String, $0["state"] as! String) }, uniquingKeysWith: { first, _ in first })
            #expect(states["demo"] == "closed")
            #expect(states["stub-slow-head"] == "open")
            #expect(states["mock-slow"] == "open")
        }
    }

    @Test func aModelFallsBackWhenAllItsDeploymentsFail() async throws {
        try await withGateway { harness, client in
            let reply = try await client.chat(model: "primary")
            #expect(reply.status == 200)
            #expect(reply.json["model"] as? String == "stub-ok", "the answer names the model that gave it")
            let record = try #require(try await harness.waitForRecords(1).first)
            #expect(record.model == "primary")
            #expect(record.servedModel == "stub-ok")
        }
    }

    @Test func aPromptTooLongForTheContextWindowFallsBackToALargerModel() async throws {
        try await withGateway { harness, client in
            let reply = try await client.chat(model: "small", stream: true)
            #expect(reply.status == 200)
            #expect(reply.eventObjects.first?["model"] as? String == "stub-ok")
            #expect(harness.stub.received.count == 2)
        }
    }

    @Test func everyLeaseIsReleasedAfterSuccessFailureTimeoutAndDisconnect() async throws {
        try await withGateway { harness, client in
            _ = try await client.chat(model: "stub-ok")
            _ = try await client.chat(model: "stub-ok", stream: true)
            _ = try await client.chat(model: "stub-error-500")
            _ = try await client.chat(model: "stub-stall", stream: true)
            _ = try await client.chat(model: "stub-cut", stream: true)
            _ = try await client.chat(model: "flaky")
            _ = try await client.chat(model: "stub-slow-head")

            var request = HTTPClientRequest(url: harness.baseURL + "/v1/chat/completions")
            request.method = .POST
            request.headers.add(name: "authorization", value: "Bearer sk-test")
            request.body = .bytes(ByteBuffer(string: #"{"model":"stub-slow-stream","stream":true,"messages":[]}"#))
            let http = client.http
            let reader = Task {
                let response = try await http.execute(request, timeout: .seconds(30))
                for try await _ in response.body { throw CancellationError() }
            }
            _ = await reader.result
            _ = try await harness.waitForRecords(8)
            for _ in 0..<100 where self.counters(harness).contains(where: { $0 != 0 }) {
                try await Task.sleep(for: .milliseconds(10))
            }
            let busy = harness.gateway.catalog.allRoutes.flatMap { route in
                route.deployments.filter { $0.health.snapshot.inFlight != 0 || $0.health.snapshot.outstandingTokens != 0 }.map { "\(route.name)/\($0.label)" }
            }
            #expect(busy.isEmpty, "still counted: \(busy)")
        }
    }
}
