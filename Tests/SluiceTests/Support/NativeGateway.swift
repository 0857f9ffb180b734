import Foundation

/// Runs `body` against a fresh gateway that also serves models backed by a
/// ``StubAnthropicFeatures`` (see ``NativeGatewayModels``), added to its config and reloaded.
func withNativeGateway(_ body: (GatewayHarness, TestClient, StubAnthropicFeatures) async throws -> Void) async throws {
    let upstream = try await StubAnthropicFeatures.start()
    try await withGateway(settings: GatewayHarness.governanceSettings()) { harness, client in
        do {
            try await harness.addModels(NativeGatewayModels.yaml(anthropicURL: upstream.baseURL, openAIURL: harness.stub.baseURL), client: client)
            try await body(harness, client, upstream)
        } catch {
            await upstream.stop()
            throw error
        }
        await upstream.stop()
    }
}

/// The models ``withNativeGateway(_:)`` adds:
///
/// | model | deployments |
/// |---|---|
/// | `claude-native` | Anthropic (`claude-cached`), priced per million at $3 input, $15 output, $0.30 cache reads, $3.75 five-minute and $6 one-hour cache writes |
/// | `claude-overloaded` | Anthropic (`claude-overloaded`), priced the same |
/// | `claude-fallback` | Anthropic (`claude-failing`), falling back to the model `stub-metered` (OpenAI-compatible) |
/// | `claude-retried` | Anthropic (`claude-failing`) first, then OpenAI-compatible (`metered`), one retry |
/// | `claude-mixed` | OpenAI-compatible (`metered`) first, then Anthropic (`claude-cached`), one retry |
enum NativeGatewayModels {
    static let apiKey = "sk-anthropic-native"

    static func yaml(anthropicURL: String, openAIURL: String) -> String {
        // Input, output, cache reads, five-minute and one-hour cache writes each at their own price.
        let price = "price: { input_per_million: 3, output_per_million: 15, cached_input_per_million: 0.3, cache_write_per_million: 3.75, cache_write_1h_per_million: 6 }"
        func anthropic(_ model: String, _ price: String) -> String {
            "{ provider: anthropic, base_url: \(anthropicURL), api_key: \(apiKey), model: \(model), \(price) }"
        }
        return """
              - { name: claude-native, deployments: [\(anthropic("claude-cached", price))] }
              - { name: claude-overloaded, deployments: [\(anthropic("claude-overloaded", price))] }
              - { name: claude-fallback, routing: { fallbacks: [stub-metered] }, deployments: [\(anthropic("claude-failing", price))] }
              - name: claude-retried
                routing: { strategy: cost, retries: 1 }
                deployments:
                  - \(anthropic("claude-failing", "price: { input_per_million: 1 }"))
                  - { provider: openai, base_url: \(openAIURL), model: metered, price: { input_per_million: 2 } }
              - name: claude-mixed
                routing: { strategy: cost, retries: 1 }
                deployments:
                  - { provider: openai, base_url: \(openAIURL), model: metered, price: { input_per_million: 1 } }
                  - \(anthropic("claude-cached", "price: { input_per_million: 2 }"))

            """
    }
}
