import Foundation
import Logging
import Testing

@testable import SluiceServer

@Suite("No retry once the answer's time is up")
struct AnswerWindowRetryTests {
    /// `window`: the cheaper deployment answers after 2 s, past the harness's 1 s first-token
    /// window; the other answers at once.
    private static let model = """
          - name: window
            routing: { strategy: cost, retries: 2 }
            deployments:
              - { provider: openai, base_url: STUB, model: slow-head, price: { input_per_million: 1 } }
              - { provider: openai, base_url: STUB, model: ok, price: { input_per_million: 2 } }

        """

    @Test func aDeploymentIsNotTriedOnceTheStreamsFirstTokenWindowHasPassed() async throws {
        try await withGateway { harness, client in
            let yaml = try String(contentsOfFile: harness.configPath, encoding: .utf8)
            let stubURL = try #require(yaml.firstMatch(of: /base_url: (http:\/\/127\.0\.0\.1:\d+\/v1)/)?.1)
            try (yaml + Self.model.replacingOccurrences(of: "STUB", with: String(stubURL))).write(toFile: harness.configPath, atomically: true, encoding: .utf8)
            _ = try harness.gateway.reloader(logger: Logger(label: "test")).reload()

            let reply = try await client.chat(model: "window", stream: true)
            #expect(reply.status == 504)
            #expect(reply.error["code"] as? String == "upstream_timeout")
            let record = try #require(try await harness.waitForRecords(1).first)
            #expect(record.attempts == 1, "the window had passed: no deployment could have answered in it")

            // The healthy deployment was not charged with a timeout it could not have avoided.
            let metrics = try await client.request(.GET, "/metrics", key: nil).body
            let failures = metrics.split(separator: "\n").filter { $0.hasPrefix("sluice_upstream_errors_total{") }
            #expect(failures.contains { $0.contains(#"deployment="openai:slow-head""#) })
            #expect(!failures.contains { $0.contains(#"deployment="openai:ok""#) }, "\(failures)")
        }
    }
}
