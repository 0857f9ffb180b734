import Foundation
import Testing

/// Prefix-aware routing through a running gateway: the key comes from the prompt's first
/// `prefix_bytes` (64 here), and requests are sent one at a time, so loads never decide.
@Suite("Prefix-aware routing")
struct PrefixRoutingTests {
    private func ask(_ client: TestClient, system: String, user: String) async throws -> Int {
        let body = #"{"model":"prefix-routed","max_tokens":5,"messages":[{"role":"system","content":"\#(system)"},{"role":"user","content":"\#(user)"}]}"#
        return try await client.request(.POST, "/v1/chat/completions", body: body).status
    }

    /// The upstream model each request reached, in order.
    private func deployments(_ harness: GatewayHarness) -> [String] {
        harness.stub.received.compactMap { received in
            ["ok", "connection-close", "metered"].first { received.body.contains(#""model":"\#($0)""#) }
        }
    }

    @Test func requestsSharingAPromptPrefixGoToOneDeploymentAndPrefixesSpreadOverAll() async throws {
        try await withGateway { harness, client in
            let shared = String(repeating: "You answer questions about the manual. ", count: 4)
            for question in 0..<6 {
                let status = try await self.ask(client, system: shared, user: "question \(question)")
                #expect(status == 200)
            }
            let first = self.deployments(harness)
            #expect(first.count == 6 && Set(first).count == 1, "one prefix, one deployment: \(first)")

            for prefix in 0..<30 {
                let status = try await self.ask(client, system: "Prompt number \(prefix) of the product catalogue, version 2026", user: "hi")
                #expect(status == 200)
            }
            let counts = Dictionary(self.deployments(harness).dropFirst(6).map { ($0, 1) }, uniquingKeysWith: +)
            // 31 keys over three deployments: none is home to more than 1.25 times its share.
            #expect(counts.count == 3 && counts.values.allSatisfy { $0 <= 13 }, "\(counts)")
        }
    }
}
