import Foundation

/// Runs `body` against a gateway with a governance store (responses are kept in it) and these
/// models besides the defaults:
///
/// | model | deployment |
/// |---|---|
/// | `responses-native` | OpenAI with `responses_api: true` (``StubResponsesAPI``, `responses-ok`) |
/// | `responses-native-failing` | the same, streaming a `response.failed` |
/// | `responses-native-error` | the same, answering 400 |
/// | `chat-tools` | OpenAI-compatible chat only (``StubUpstream``'s `tools`) |
/// | `json-schema` | OpenAI-compatible chat only (``StubUpstream``'s `json-schema`) |
func withResponsesGateway(_ body: (GatewayHarness, TestClient, StubResponsesAPI) async throws -> Void) async throws {
    let upstream = try await StubResponsesAPI.start()
    try await withGateway(settings: GatewayHarness.governanceSettings()) { harness, client in
        do {
            let price = "price: { input_per_million: 1, output_per_million: 2 }"
            try await harness.addModels("""
                  - { name: responses-native, deployments: [{ provider: openai, base_url: \(upstream.baseURL), model: responses-ok, responses_api: true, \(price) }] }
                  - { name: responses-native-failing, deployments: [{ provider: openai, base_url: \(upstream.baseURL), model: responses-failing, responses_api: true, \(price) }] }
                  - { name: responses-native-error, deployments: [{ provider: openai, base_url: \(upstream.baseURL), model: responses-error, responses_api: true, \(price) }] }
                  - { name: chat-tools, deployments: [{ provider: openai, base_url: \(harness.stub.baseURL), model: tools, \(price) }] }
                  - { name: json-schema, deployments: [{ provider: openai, base_url: \(harness.stub.baseURL), model: json-schema, \(price) }] }

                """, client: client)
            try await body(harness, client, upstream)
        } catch {
            await upstream.stop()
            throw error
        }
        await upstream.stop()
    }
}
