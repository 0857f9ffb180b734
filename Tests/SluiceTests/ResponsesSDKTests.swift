import Foundation
import Testing

/// The official `openai` Python SDK's Responses API (`responses.create`, `responses.stream`,
/// `responses.parse`, `previous_response_id` across backend kinds) and the `openai-agents`
/// package, whose default model speaks the Responses API, against the running gateway. CI installs
/// both and sets `SLUICE_REQUIRE_SDK=1`, so there a missing package fails instead of skipping.
@Suite("Official SDKs on the Responses API")
struct ResponsesSDKTests {
    static func agentsSDKAvailable() async -> Bool {
        (try? await SDKTests.runPython(["-c", "import agents"]).status) == 0
    }

    @Test(.enabled("the openai Python SDK is not installed") { SDKTests.sdkRequired ? true : await SDKTests.openAISDKAvailable() })
    func theOpenAIPythonSDKsResponsesWorkUnchanged() async throws {
        try await withResponsesGateway { harness, _, _ in
            let result = try await SDKTests.runPython(["Tests/SDK/openai_responses_check.py", harness.baseURL])
            #expect(result.status == 0, "\(result.output)")
        }
    }

    @Test(.enabled("the openai-agents package is not installed") { SDKTests.sdkRequired ? true : await Self.agentsSDKAvailable() })
    func anAgentWithAFunctionToolRunsThroughTheGateway() async throws {
        try await withResponsesGateway { harness, _, _ in
            let result = try await SDKTests.runPython(["Tests/SDK/openai_agents_check.py", harness.baseURL])
            #expect(result.status == 0, "\(result.output)")
            #expect(harness.stub.received.filter { $0.path == "/v1/chat/completions" }.count == 2, "the call and the answer to its result")
        }
    }
}
