import Foundation
import SluiceCore
import Testing

/// The official `anthropic` Python SDK through an Anthropic deployment passed through natively:
/// prompt caching with TTLs, extended thinking, citations and a server tool, whole and streamed,
/// and the usage it reads recorded and priced as the gateway bills it. CI installs the SDK and
/// sets `SLUICE_REQUIRE_SDK=1`, so there a missing SDK fails instead of skipping.
@Suite("The anthropic SDK through native passthrough")
struct NativeSDKTests {
    static func sdkAvailable() async -> Bool {
        (try? await SDKTests.runPython(["-c", "import anthropic"]).status) == 0
    }

    @Test(.enabled("the anthropic Python SDK is not installed") { SDKTests.sdkRequired ? true : await Self.sdkAvailable() })
    func theAnthropicSDKCachesThinksAndCitesThroughAnAnthropicDeployment() async throws {
        try await withNativeGateway { harness, _, upstream in
            let result = try await SDKTests.runPython(["Tests/SDK/anthropic_native_check.py", harness.baseURL])
            try #require(result.status == 0, "\(result.output)")

            // What the SDK saw, and its API version.
            let lastLine = try #require(result.output.split(separator: "\n").last)
            let report = try #require(try JSONSerialization.jsonObject(with: Data(lastLine.utf8)) as? [String: Any])
            let version = try #require(report["version"] as? String)
            let seen = try #require(report["usages"] as? [[String: Int]])

            // What Anthropic got is what the SDK wrote, cache lifetimes, thinking and headers included.
            let received = upstream.received
            try #require(received.count == 4)
            for request in received {
                let json = request.json
                #expect(json["model"] as? String == "claude-cached")
                #expect((json["thinking"] as? [String: Any])?["budget_tokens"] as? Int == 1024)
                let system = try #require(json["system"] as? [[String: Any]])
                #expect((system.first?["cache_control"] as? [String: Any])?["ttl"] as? String == "1h")
                #expect(request.header("anthropic-version") == version)
            }
            #expect(received.map { $0.header("anthropic-beta") } == [nil, nil, "extended-cache-ttl-2025-04-11", "extended-cache-ttl-2025-04-11"])

            // The gateway recorded the usage the SDK read, and priced each kind of token apart.
            let records = try await harness.waitForRecords(4)
            try #require(records.count == 4 && seen.count == 4)
            #expect(seen[1]["read"] ?? 0 > 0, "the second request read the cache")
            for (record, usage) in zip(records, seen) {
                let (input, read, write, writeForAnHour, output) = (usage["input"] ?? 0, usage["read"] ?? 0, usage["write"] ?? 0, usage["write_1h"] ?? 0, usage["output"] ?? 0)
                #expect(record.status == 200)
                #expect(record.usage == Usage(uncachedInput: input, cacheRead: read, cacheWrite: write, oneHourCacheWrite: writeForAnHour, output: output))
                // $3 input, $0.30 cache reads, $3.75 five-minute and $6 one-hour writes, $15 output per million.
                let cost = (Double(input) * 3 + Double(read) * 0.3 + Double(write - writeForAnHour) * 3.75 + Double(writeForAnHour) * 6 + Double(output) * 15) / 1e6
                #expect(abs(record.cost - cost) < 1e-12, "cost \(record.cost), expected \(cost)")
            }
        }
    }
}
