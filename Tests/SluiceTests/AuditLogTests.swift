import Foundation
import Testing

@Suite("Audit log")
struct AuditLogTests {
    static func auditPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("sluice-audit-\(UUID().uuidString).jsonl").path
    }

    /// The audit file's lines as JSON objects, once `count` of them were written.
    static func lines(_ path: String, count: Int) async throws -> [[String: Any]] {
        var lines: [[String: Any]] = []
        for _ in 0..<1000 {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            lines = text.split(separator: "\n").compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
            if lines.count >= count { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        return lines
    }

    @Test func everyRequestGetsOneLineWithoutContentUnlessAskedFor() async throws {
        let path = Self.auditPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await withGateway(settings: GatewayHarness.defaultSettings + "audit: { path: \(path), flush_interval: 20ms }\n") { _, client in
            #expect(try await client.chat(model: "stub-ok", headers: ["traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"]).status == 200)
            #expect(try await client.chat(model: "demo", stream: true).status == 200)
            #expect(try await client.chat(model: "stub-rate-limited").status == 429)

            let lines = try await Self.lines(path, count: 3)
            #expect(lines.count == 3)
            let ok = try #require(lines.first { $0["model"] as? String == "stub-ok" })
            #expect(ok["status"] as? Int == 200)
            #expect(ok["deployment"] as? String == "openai:ok")
            #expect(ok["endpoint"] as? String == "/v1/chat/completions")
            #expect((ok["prompt_tokens"] as? Int ?? 0) > 0)
            #expect((ok["cost_usd"] as? Double ?? 0) > 0)
            #expect((ok["request_id"] as? String)?.isEmpty == false)
            #expect((ok["ledger_id"] as? String)?.isEmpty == false)
            #expect(ok["client_address"] as? String == "127.0.0.1")
            #expect(ok["time"] as? String != nil)
            #expect(ok["prompt"] == nil && ok["completion"] == nil)
            let stream = try #require(lines.first { $0["model"] as? String == "demo" })
            #expect(stream["stream"] as? Bool == true)
            #expect(stream["completion_tokens"] as? Int == 5)
            #expect(stream["ttft_ms"] as? Double != nil)
            let limited = try #require(lines.first { $0["model"] as? String == "stub-rate-limited" })
            #expect(limited["status"] as? Int == 429)
            #expect(limited["error_code"] as? String != nil)
        }
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func withContentTheLineCarriesThePromptAndTheAnswersText() async throws {
        let path = Self.auditPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let settings = GatewayHarness.defaultSettings + "audit: { path: \(path), include_content: true, flush_interval: 20ms }\n"
        try await withGateway(settings: settings) { _, client in
            let plain = try await client.chat(model: "stub-ok")
            let streamed = try await client.chat(model: "demo", stream: true)
            let lines = try await Self.lines(path, count: 2)
            let ok = try #require(lines.first { $0["model"] as? String == "stub-ok" })
            let prompt = try #require(ok["prompt"] as? [[String: Any]])
            #expect(prompt.first?["content"] as? String == "Say hello")
            let answer = ((plain.json["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String
            #expect(ok["completion"] as? String == answer)
            let stream = try #require(lines.first { $0["model"] as? String == "demo" })
            let text = streamed.eventObjects.compactMap { (($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String }.joined()
            #expect(!text.isEmpty)
            #expect(stream["completion"] as? String == text)
        }
    }

    @Test func aPathThatCannotBeOpenedStopsTheGatewayFromStarting() async throws {
        let config = "audit: { path: /nonexistent-folder/audit.jsonl }\nmodels:\n  - name: demo\n    deployments: [{ provider: mock }]\n"
        let error = await #expect(throws: SluiceProcessFailure.self) { try await SluiceProcess.start(config: config) }
        #expect(error?.message.contains("cannot open the audit log /nonexistent-folder/audit.jsonl") == true, "\(String(describing: error))")
    }
}
