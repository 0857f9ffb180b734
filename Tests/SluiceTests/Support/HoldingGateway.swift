import Foundation
import Testing

/// Runs `body` against a fresh gateway that also serves models backed by a ``HoldingUpstream``
/// (added to its config and reloaded, since the harness builds its model list itself):
/// `hold-openai`, `hold-anthropic` (an Anthropic deployment), `gated`, `error-event` and `no-choices`.
/// `settings` must name the admin key (``GatewayHarness/governanceSettings(extra:)`` does).
/// The upstream stops before the gateway, so that requests it still holds end.
func withHoldingGateway(
    settings: String, _ body: (GatewayHarness, TestClient, HoldingUpstream) async throws -> Void
) async throws {
    let upstream = try await HoldingUpstream.start()
    try await withGateway(settings: settings) { harness, client in
        do {
            try await harness.addModels(HoldingGatewayModels.yaml(upstream.baseURL), client: client)
            try await body(harness, client, upstream)
        } catch {
            await upstream.stop()
            throw error
        }
        await upstream.stop()
    }
}

enum HoldingGatewayModels {
    /// The model entries for `baseURL`, in the indentation of the harness's model list.
    static func yaml(_ baseURL: String) -> String {
        let price = "price: { input_per_million: 1, output_per_million: 2 }"
        return """
              - { name: hold-openai, deployments: [{ provider: openai, base_url: \(baseURL), model: hold, \(price) }] }
              - { name: hold-anthropic, deployments: [{ provider: anthropic, base_url: \(baseURL), api_key: sk-anthropic-secret, model: hold, max_output_tokens: 1024, \(price) }] }
              - { name: gated, deployments: [{ provider: openai, base_url: \(baseURL), model: gated, \(price) }] }
              - { name: error-event, deployments: [{ provider: openai, base_url: \(baseURL), model: error-event, \(price) }] }
              - { name: no-choices, deployments: [{ provider: openai, base_url: \(baseURL), model: no-choices, \(price) }] }

            """
    }
}

extension GatewayHarness {
    /// Puts `entries` at the head of the config's model list and reloads the gateway.
    func addModels(_ entries: String, client: TestClient) async throws {
        let yaml = try String(contentsOfFile: self.configPath, encoding: .utf8)
        let marker = "\nmodels:\n"
        let extended = try #require(yaml.range(of: marker).map { yaml.replacingCharacters(in: $0, with: marker + entries) })
        try extended.write(toFile: self.configPath, atomically: true, encoding: .utf8)
        let reply = try await client.request(.POST, "/admin/reload", key: GatewayHarness.adminKey)
        try #require(reply.status == 200, "the reload with the added models failed: \(reply.body)")
    }
}
