import Foundation
import Testing

/// `sluice check-config` as an operator runs it: the built executable on a config file, its
/// output and exit status.
@Suite("sluice check-config")
struct CheckConfigProcessTests {
    /// Runs `sluice check-config` on `yaml`; returns its output (stdout and stderr) and exit status.
    private func checkConfig(_ yaml: String) async throws -> (output: String, status: Int32) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-check-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try yaml.write(toFile: folder + "/config.yaml", atomically: true, encoding: .utf8)
        FileManager.default.createFile(atPath: folder + "/output.log", contents: nil)
        let process = Process()
        process.executableURL = SluiceProcess.executable
        process.arguments = ["check-config", folder + "/config.yaml"]
        process.environment = ["SWIFT_BACKTRACE": "enable=no"]
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: folder + "/output.log"))
        process.standardOutput = output
        process.standardError = output
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        try output.close()
        return (try String(contentsOfFile: folder + "/output.log", encoding: .utf8).replacingOccurrences(of: folder + "/", with: ""), process.terminationStatus)
    }

    @Test func itPrintsThePipelineEachProfileAssembles() async throws {
        let (output, status) = try await self.checkConfig("""
            auth: { api_keys: [sk-client] }
            store: { sqlite: /tmp/never-opened.sqlite }
            pipeline:
              default_profile: capped
              tenant_profiles: { acme: open }
              profiles:
                open: []
                capped:
                  - output_ceiling: { max_output_tokens: 1024 }
            models:
              - name: demo
                deployments: [{ provider: mock }, { provider: mock }]
            """)
        #expect(status == 0, "\(output)")
        let (admission, accounting) = ("model_access → request_rate_limit", "token_rate_limit → budget → reasoning")
        #expect(output.split(separator: "\n") == [
            "config.yaml: OK (1 models, 2 deployments, 1 client keys)",
            "  profile default: \(admission) → \(accounting) → upstream",
            "  profile open: \(admission) → \(accounting) → upstream",
            "  profile capped (default): \(admission) → output_ceiling(max_output_tokens: 1024) → \(accounting) → upstream",
            "  tenant acme → profile open",
        ])
    }

    @Test func aBrokenPipelineIsReportedWithItsPlaceAndStatus1() async throws {
        let (output, status) = try await self.checkConfig("""
            pipeline:
              default_profile: lean
              profiles:
                capped: [output_ceiling, cache]
            models:
              - name: demo
                deployments: [{ provider: mock }]
            """)
        #expect(status == 1, "\(output)")
        let lines = output.split(separator: "\n").map(String.init)
        #expect(Set(lines) == [
            "config.yaml:2:20: pipeline.default_profile: no profile is named 'lean' (profiles: capped, default)",
            "config.yaml:4:14: pipeline.profiles.capped[0]: output_ceiling needs its max_output_tokens",
            "config.yaml:4:30: pipeline.profiles.capped[1]: unknown stage 'cache' (stages: output_ceiling)",
            "3 problems found",
        ], "\(output)")
        #expect(lines.last == "3 problems found")
    }
}
