import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

@Suite("Config reload")
struct ConfigReloadTests {
    static let settings = GatewayHarness.defaultSettings.replacingOccurrences(
        of: "auth: { api_keys: [sk-test, sk-other] }", with: "auth: { api_keys: [sk-test, sk-other], admin_key: \(GatewayHarness.adminKey) }"
    )

    /// The harness's config file with `edit` applied, written in place for the next reload.
    private func rewriteConfig(_ harness: GatewayHarness, _ edit: (String) -> String) throws {
        let yaml = try String(contentsOfFile: harness.configPath, encoding: .utf8)
        try edit(yaml).write(toFile: harness.configPath, atomically: true, encoding: .utf8)
    }

    private func reload(_ client: TestClient) async throws -> TestClient.Reply {
        try await client.request(.POST, "/admin/reload", key: GatewayHarness.adminKey)
    }

    /// A model added at the end of the file's model list.
    private static let addedModel = """
          - name: added
            deployments:
              - provider: mock
                mock: { completion_tokens: 3 }

        """

    @Test func aReloadDuring100OpenStreamsBreaksNoneAndServesNewRequestsWithTheNewConfig() async throws {
        try await withGateway(settings: Self.settings) { harness, client in
            // Its own client: the shared one keeps 8 connections per host, and the 100 streams must be open at once.
            var configuration = HTTPClient.Configuration()
            configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 128
            let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            do {
                try await self.reloadDuring100Streams(harness: harness, client: client, http: http)
            } catch {
                try? await http.shutdown()
                throw error
            }
            try await http.shutdown()
        }
    }

    private func reloadDuring100Streams(harness: GatewayHarness, client: TestClient, http: HTTPClient) async throws {
        // 25 tokens at 10 per second: each stream runs for about two and a half seconds.
        let (started, signal) = AsyncStream.makeStream(of: Void.self)
        let streams = (0..<100).map { _ in
            Task {
                var request = HTTPClientRequest(url: harness.baseURL + "/v1/chat/completions")
                request.method = .POST
                request.headers.add(name: "authorization", value: "Bearer sk-test")
                request.body = .bytes(ByteBuffer(string: #"{"model":"mock-long","stream":true,"messages":[{"role":"user","content":"go"}]}"#))
                let response = try await http.execute(request, timeout: .seconds(30))
                var body = ""
                for try await chunk in response.body {
                    if body.isEmpty { signal.yield() }
                    body += String(buffer: chunk)
                }
                return (Int(response.status.code), body)
            }
        }
        var open = 0
        for await _ in started {
            open += 1
            if open == 100 { break }
        }

        try self.rewriteConfig(harness) { yaml in
            yaml.replacingOccurrences(of: "  - name: mock-long\n", with: "  - name: mock-long-renamed\n")
                .replacingOccurrences(of: "drain_timeout: 2s", with: "drain_timeout: 3s") + Self.addedModel
        }
        let reloaded = try await self.reload(client)
        #expect(reloaded.status == 200, "\(reloaded.body)")
        #expect(reloaded.json["status"] as? String == "reloaded")
        #expect(reloaded.json["restart_required"] as? [String] == ["server.drain_timeout"])

        // New requests see the new config while the old streams are still running.
        #expect(try await client.chat(model: "added").status == 200)
        #expect(try await client.chat(model: "mock-long").error["code"] as? String == "model_not_found")
        let unfinished = harness.records.all.filter { $0.model == "mock-long" && $0.status != 404 }.count
        #expect(unfinished == 0, "\(unfinished) streams ended before the reload")

        for stream in streams {
            let (status, body) = try await stream.value
            #expect(status == 200)
            #expect(body.hasSuffix("data: [DONE]\n\n"), "\(body.suffix(200))")
            #expect(!body.contains(#""error""#))
        }
        // The 100 streams, the new model's answer, and the refusal of the removed name.
        let records = try await harness.waitForRecords(102).filter { $0.model == "mock-long" && $0.status != 404 }
        #expect(records.count == 100)
        #expect(records.allSatisfy { $0.status == 200 && $0.usage?.completionTokens == 25 })
    }

    @Test func anInvalidConfigIsRefusedWithItsProblemsAndTheRunningOneStays() async throws {
        try await withGateway(settings: Self.settings) { harness, client in
            try self.rewriteConfig(harness) { yaml in yaml + Self.addedModel + "  - name: broken\n    deployments: [{ provider: nope, model: x }]\n" }
            let refused = try await self.reload(client)
            #expect(refused.status == 400)
            #expect(refused.error["code"] as? String == "invalid_config")
            let message = try #require(refused.error["message"] as? String)
            #expect(message.contains("models["), "\(message)")
            #expect(message.contains("provider"), "\(message)")
            #expect(harness.logs.all.contains { $0.contains("config reload refused") })

            #expect(try await client.chat(model: "added").error["code"] as? String == "model_not_found")
            #expect(try await client.chat(model: "demo").status == 200)

            try self.rewriteConfig(harness) { yaml in
                yaml.replacingOccurrences(of: "  - name: broken\n    deployments: [{ provider: nope, model: x }]\n", with: "")
            }
            #expect(try await self.reload(client).status == 200)
            #expect(try await client.chat(model: "added").status == 200)
        }
    }

    @Test func aDeploymentConfiguredAsBeforeKeepsItsOpenBreaker() async throws {
        try await withGateway(settings: Self.settings) { harness, client in
            for _ in 0..<5 { _ = try await client.chat(model: "dead") }
            func deadState() async throws -> String? {
                let list = try await client.request(.GET, "/admin/deployments", key: GatewayHarness.adminKey).json["data"] as? [[String: Any]]
                return list?.first { $0["model"] as? String == "dead" }?["state"] as? String
            }
            #expect(try await deadState() == "open")
            try self.rewriteConfig(harness) { $0 + Self.addedModel }
            #expect(try await self.reload(client).status == 200)
            #expect(try await deadState() == "open")
        }
    }

    @Test func withoutTheAdminKeyThereIsNoReload() async throws {
        try await withGateway(settings: Self.settings) { _, client in
            let refused = try await client.request(.POST, "/admin/reload")
            #expect(refused.status == 401)
        }
    }
}

@Suite("Config reload on SIGHUP", .serialized)
struct ConfigReloadSignalTests {
    private func modelIDs(_ baseURL: String) async throws -> [String] {
        let client = TestClient(baseURL: baseURL)
        let list = try await client.request(.GET, "/v1/models").json["data"] as? [[String: Any]] ?? []
        return list.compactMap { $0["id"] as? String }
    }

    @Test func sighupReloadsTheConfigFileAndRefusesAnInvalidOne() async throws {
        let config = """
            server: { host: 127.0.0.1, port: 0 }
            log: { level: info, format: json }
            auth: { api_keys: [sk-test] }
            models:
              - name: demo
                deployments: [{ provider: mock }]

            """
        let gateway = try await SluiceProcess.start(config: config)
        defer { gateway.kill() }
        try (config + "  - name: second\n    deployments: [{ provider: mock }]\n").write(toFile: gateway.configPath, atomically: true, encoding: .utf8)
        gateway.hangUp()
        var models: [String] = []
        for _ in 0..<500 where models != ["demo", "second"] {
            try await Task.sleep(for: .milliseconds(20))
            models = try await self.modelIDs(gateway.baseURL)
        }
        #expect(models == ["demo", "second"], "\(gateway.output)")

        try (config + "  - name: third\n    deployments: [{ provider: nope }]\n").write(toFile: gateway.configPath, atomically: true, encoding: .utf8)
        gateway.hangUp()
        for _ in 0..<500 where !gateway.output.contains("config reload refused") {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(gateway.output.contains("config reload refused"))
        #expect(try await self.modelIDs(gateway.baseURL) == ["demo", "second"])
        #expect(await gateway.terminate() == 0)
    }
}
