import Foundation
import Testing

@Suite("The upstream HTTP client")
struct UpstreamClientTests {
    @Test func requestsBeyondThePoolWaitForAConnectionAndAllSucceed() async throws {
        let settings = GatewayHarness.defaultSettings + "upstream: { max_connections_per_host: 2 }\n"
        try await withGateway(settings: settings) { harness, client in
            let started = ContinuousClock.now
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<6 { group.addTask { try await client.chat(model: "stub-delay").status } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 6))
            // Two connections (one per event loop at most) serve six 200 ms answers.
            #expect(ContinuousClock.now - started >= .milliseconds(550))
            #expect(harness.stub.received.count == 6)
        }
    }

    @Test(arguments: ["stub-close-after", "stub-connection-close"])
    func connectionsTheUpstreamClosesAreNotReused(model: String) async throws {
        try await withGateway { harness, client in
            for _ in 0..<5 {
                let reply = try await client.chat(model: model)
                #expect(reply.status == 200)
            }
            #expect(harness.stub.received.count == 5, "each request reached the upstream exactly once")
        }
    }

    @Test func keptAliveConnectionsCarryManyRequests() async throws {
        try await withGateway { _, client in
            for _ in 0..<50 {
                let reply = try await client.chat(model: "stub-ok")
                #expect(reply.status == 200)
            }
        }
    }
}
