import Foundation
import Testing

/// The official `openai` and `anthropic` Python SDKs against the running gateway. CI installs them and sets
/// `SLUICE_REQUIRE_SDK=1`, so there a missing SDK fails instead of skipping.
@Suite("Official SDKs")
struct SDKTests {
    static var sdkRequired: Bool { ProcessInfo.processInfo.environment["SLUICE_REQUIRE_SDK"] == "1" }

    static func openAISDKAvailable() async -> Bool {
        (try? await Self.runPython(["-c", "import openai"]).status) == 0
    }

    @Test(.enabled("the openai Python SDK is not installed") { Self.sdkRequired ? true : await Self.openAISDKAvailable() })
    func theOpenAIPythonSDKWorksUnchanged() async throws {
        try await withGateway { harness, _ in
            let result = try await Self.runPython(["Tests/SDK/openai_sdk_check.py", harness.baseURL])
            #expect(result.status == 0, "\(result.output)")
        }
    }

    static func anthropicSDKAvailable() async -> Bool {
        (try? await Self.runPython(["-c", "import anthropic"]).status) == 0
    }

    @Test(.enabled("the anthropic Python SDK is not installed") { Self.sdkRequired ? true : await Self.anthropicSDKAvailable() })
    func theAnthropicPythonSDKWorksAgainstMessages() async throws {
        try await withGateway { harness, _ in
            let result = try await Self.runPython(["Tests/SDK/anthropic_sdk_check.py", harness.baseURL])
            #expect(result.status == 0, "\(result.output)")
        }
    }

    /// Runs python3 with its output in a file: Foundation's pipe reading traps when a signal
    /// interrupts it.
    static func runPython(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let outputURL = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-sdk-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outputURL) }
        let output = try FileHandle(forWritingTo: outputURL)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        process.standardOutput = output
        process.standardError = output
        try await process.runUntilExit()
        try output.close()
        let text = (try? String(contentsOf: outputURL, encoding: .utf8)) ?? ""
        return (process.terminationStatus, text)
    }
}
