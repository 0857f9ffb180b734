import Foundation
import Testing

/// A full run of a real `sluice` process at the most verbose log level, with an audit log that
/// records content: no API key, provider secret or admin key may appear in anything it wrote.
@Suite("No secret in any log", .serialized)
struct SecretScanTests {
    static let staticKey = "sk-static-9d2c41e8b7"
    static let adminKey = "sk-admin-5be0c1f29e774a1d"
    static let wrongKeys = ["sk-wrong-key-presented-5521", "sk-sluice-WRONGwrongWRONGwrongWRONGwron"]

    @Test func aFullRunWritesNoSecretToItsLogsOrItsAuditLog() async throws {
        let stub = try await StubUpstream.start()
        let anthropic = try await StubAnthropic.start()
        let bedrock = try await StubBedrock.start()
        let gemini = try await StubGemini.start()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-secrets-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let auditPath = folder + "/audit.jsonl"
        let config = """
            log: { level: trace, format: json }
            auth: { api_keys: [\(Self.staticKey)], admin_key: \(Self.adminKey) }
            store: { sqlite: \(folder)/sluice.sqlite, ledger_flush_interval: 50ms }
            audit: { path: \(auditPath), include_content: true, flush_interval: 20ms }

            """ + GatewayHarness.defaultModels(stubURL: stub.baseURL, anthropicURL: anthropic.baseURL, bedrockURL: bedrock.baseURL, geminiURL: gemini.baseURL)
        let gateway = try await SluiceProcess.start(config: config)
        var virtualKey = ""
        do {
            virtualKey = try await self.exercise(gateway)
        } catch {
            gateway.kill()
            throw error
        }
        #expect(await gateway.terminate() == 0)
        let checkConfigOutput = try await self.checkConfig(brokenAt: folder)
        await stub.stop()
        await anthropic.stop()
        await bedrock.stop()
        await gemini.stop()

        let written = [
            ("gateway output", gateway.output), ("audit log", try String(contentsOfFile: auditPath, encoding: .utf8)),
            ("check-config output", checkConfigOutput),
        ]
        let secrets = [
            "sk-upstream-secret", "sk-azure-secret", "sk-anthropic-secret", "gemini-secret", StubBedrock.credentials.secretAccessKey,
            try #require(StubBedrock.credentials.sessionToken), Self.staticKey, Self.adminKey, virtualKey,
        ] + Self.wrongKeys
        #expect(!virtualKey.isEmpty)
        #expect(gateway.output.contains("request finished"), "the run logged nothing; the scan proves nothing")
        #expect(written[1].1.split(separator: "\n").count >= 15, "the audit log is too short: \(written[1].1)")
        for (name, text) in written {
            for secret in secrets {
                #expect(!text.contains(secret), "\(name) contains a secret ending in …\(secret.suffix(4))")
            }
        }
    }

    /// Every kind of request, error and admin action; returns the virtual key it created.
    private func exercise(_ gateway: SluiceProcess) async throws -> String {
        let client = TestClient(baseURL: gateway.baseURL)
        for model in ["stub-ok", "azure-ok", "anthropic-ok", "gemini-ok", "bedrock-ok"] {
            #expect(try await client.chat(model: model, key: Self.staticKey).status == 200, "\(model)")
            #expect(try await client.chat(model: model, stream: true, key: Self.staticKey).status == 200, "\(model) streamed")
        }
        for model in ["stub-rate-limited", "stub-error-500", "refused", "anthropic-overloaded", "gemini-rate-limited", "bedrock-throttled"] {
            #expect(try await client.chat(model: model, key: Self.staticKey).status >= 400, "\(model)")
        }
        let messages = #"{"model":"anthropic-ok","max_tokens":64,"messages":[{"role":"user","content":"Say hello"}]}"#
        #expect(try await client.request(.POST, "/v1/messages", body: messages, key: nil, headers: ["x-api-key": Self.staticKey]).status == 200)
        for wrong in Self.wrongKeys {
            #expect(try await client.chat(model: "stub-ok", key: wrong).status == 401)
            #expect(try await client.request(.POST, "/v1/messages", body: messages, key: nil, headers: ["x-api-key": wrong]).status == 401)
        }
        #expect(try await client.request(.GET, "/admin/keys", key: Self.wrongKeys[0]).status == 401)

        #expect(try await client.request(.POST, "/admin/tenants", body: #"{"id":"acme"}"#, key: Self.adminKey).status == 201)
        let created = try await client.request(.POST, "/admin/keys", body: #"{"tenant_id":"acme","name":"ci"}"#, key: Self.adminKey)
        let virtualKey = try #require(created.json["key"] as? String, "\(created.body)")
        #expect(try await client.chat(model: "stub-ok", key: virtualKey).status == 200)
        #expect(try await client.chat(model: "demo", stream: true, key: virtualKey).status == 200)
        #expect(try await client.request(.GET, "/v1/usage", key: virtualKey).status == 200)
        let id = try #require(created.json["id"] as? String)
        #expect(try await client.request(.DELETE, "/admin/keys/\(id)", key: Self.adminKey).status == 200)
        #expect(try await client.chat(model: "stub-ok", key: virtualKey).status == 401)
        #expect(try await client.request(.POST, "/admin/reload", key: Self.adminKey).status == 200)
        gateway.hangUp()
        try await Task.sleep(for: .milliseconds(100))
        return virtualKey
    }

    /// `sluice check-config` on a copy of a config with a YAML error on the line of a secret.
    private func checkConfig(brokenAt folder: String) async throws -> String {
        let path = folder + "/broken.yaml"
        try """
            auth: { api_keys: [\(Self.staticKey)], admin_key: \(Self.adminKey) }
            models:
              - name: demo
                deployments:
                  - { provider: openai, base_url: http://127.0.0.1:9/v1, api_key: "sk-upstream-secret, model: x }
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = SluiceProcess.executable
        process.arguments = ["check-config", path]
        let outputPath = folder + "/check-config.log"
        FileManager.default.createFile(atPath: outputPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardOutput = output
        process.standardError = output
        try await process.runUntilExit()
        // 1: the config was read and refused (not 64, a usage error that never reads it).
        #expect(process.terminationStatus == 1)
        let printed = try String(contentsOfFile: outputPath, encoding: .utf8)
        #expect(printed.contains("broken.yaml:"), "check-config must report the broken line: \(printed)")
        return printed
    }
}
