import Foundation
import Testing

/// The official `anthropic` Python SDK against a model served by an OpenAI-compatible backend:
/// `count_tokens`, the paged model list, `message_start` usage in a stream, and a request in
/// Claude Code's shape (see Tests/SDK/anthropic_fidelity_check.py). CI sets `SLUICE_REQUIRE_SDK=1`.
@Suite("The anthropic SDK against translated backends")
struct AnthropicFidelitySDKTests {
    @Test(.enabled("the anthropic Python SDK is not installed") { SDKTests.sdkRequired ? true : await SDKTests.anthropicSDKAvailable() })
    func theAnthropicSDKCountsListsAndStreamsAgainstAnOpenAICompatibleBackend() async throws {
        try await withGateway { harness, _ in
            let result = try await SDKTests.runPython(["Tests/SDK/anthropic_fidelity_check.py", harness.baseURL])
            #expect(result.status == 0, "\(result.output)")
        }
    }

    /// The estimate `count_tokens` answers for translated backends, within 15 % of OpenAI's
    /// tokenizers on this repository's code and prose (`bpe-openai` ships their vocabularies).
    @Test(.enabled("the bpe-openai package is not installed") { SDKTests.sdkRequired ? true : (try? await SDKTests.runPython(["-c", "import bpe_openai"]).status) == 0 })
    func theTokenEstimateIsCloseToOpenAIsTokenizers() async throws {
        try await withGateway { harness, _ in
            let result = try await SDKTests.runPython(["Tests/SDK/token_estimate_check.py", harness.baseURL])
            #expect(result.status == 0, "\(result.output)")
            print(result.output)
        }
    }
}
