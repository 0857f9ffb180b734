import Foundation
import Testing

@testable import SluiceConfig

/// A session header (`x-session-id`, or Claude Code's `x-claude-code-session-id` by default) as
/// the key of session affinity and of prefix-aware routing, through a running gateway. Requests
/// go one at a time, so loads never decide.
@Suite("Session headers as routing keys")
struct SessionHeaderRoutingTests {
    static let deployments = ["ok", "connection-close", "metered"]

    static func models(stubURL: String) -> String {
        let deployments = Self.deployments.map { "{ provider: openai, base_url: \(stubURL), model: \($0) }" }.joined(separator: ", ")
        return """
              - { name: by-session, routing: { strategy: session }, deployments: [\(deployments)] }
              - { name: by-prefix, routing: { strategy: prefix, prefix_bytes: 64 }, deployments: [\(deployments)] }
              - { name: by-team, routing: { strategy: session, session_header: [x-team, x-session-id] }, deployments: [\(deployments)] }

            """
    }

    /// Claude Code's system prompt and tools are the same in every session: a long shared prefix.
    private func ask(_ client: TestClient, model: String, prompt: String, headers: [String: String]) async throws {
        let body = #"{"model":"\#(model)","max_tokens":5,"messages":[{"role":"user","content":"You are an agent working with the user in a terminal. \#(prompt)"}]}"#
        let reply = try await client.request(.POST, "/v1/messages", body: body, key: nil, headers: headers.merging(["x-api-key": "sk-test"]) { $1 })
        try #require(reply.status == 200, "\(reply.body)")
    }

    /// The upstream model the last request reached.
    private func lastDeployment(_ harness: GatewayHarness) -> String? {
        harness.stub.received.last.flatMap { received in Self.deployments.first { received.body.contains(#""model":"\#($0)""#) } }
    }

    private func withSessionGateway(_ body: (GatewayHarness, TestClient) async throws -> Void) async throws {
        try await withGateway(settings: GatewayHarness.governanceSettings()) { harness, client in
            try await harness.addModels(Self.models(stubURL: harness.stub.baseURL), client: client)
            try await body(harness, client)
        }
    }

    @Test func prefixRoutingKeysOnTheSessionHeaderWhenThereIsOne() async throws {
        try await withSessionGateway { harness, client in
            var homes: [String: Int] = [:]
            for session in 0..<30 {
                try await self.ask(client, model: "by-prefix", prompt: "Fix the tests.", headers: ["x-claude-code-session-id": "session-\(session)"])
                homes[self.lastDeployment(harness) ?? "none", default: 0] += 1
            }
            #expect(homes.count == 3, "sessions sharing one prompt prefix spread over every deployment: \(homes)")

            var oneSession: Set<String> = []
            for turn in 0..<6 {
                try await self.ask(client, model: "by-prefix", prompt: "Turn \(turn) of a growing conversation", headers: ["x-claude-code-session-id": "one-session"])
                oneSession.insert(self.lastDeployment(harness) ?? "none")
            }
            #expect(oneSession.count == 1, "one session stays at home whatever its prompt: \(oneSession)")

            var noSession: Set<String> = []
            for _ in 0..<6 {
                try await self.ask(client, model: "by-prefix", prompt: "Fix the tests.", headers: [:])
                noSession.insert(self.lastDeployment(harness) ?? "none")
            }
            #expect(noSession.count == 1, "without a session header the prompt prefix is the key: \(noSession)")
        }
    }

    @Test func sessionAffinityFollowsTheFirstConfiguredHeaderPresent() async throws {
        try await withSessionGateway { harness, client in
            var homes: [String: Set<String>] = [:]
            for session in 0..<12 {
                for turn in 0..<2 {
                    try await self.ask(client, model: "by-session", prompt: "turn \(turn)", headers: ["x-claude-code-session-id": "cc-\(session)"])
                    homes["cc-\(session)", default: []].insert(self.lastDeployment(harness) ?? "none")
                }
            }
            #expect(homes.values.allSatisfy { $0.count == 1 }, "each session keeps one deployment: \(homes)")
            #expect(Set(homes.values.compactMap(\.first)).count > 1, "sessions spread: \(homes)")

            var team: Set<String> = []
            for session in 0..<8 {
                try await self.ask(client, model: "by-team", prompt: "hi", headers: ["x-team": "blue", "x-session-id": "s-\(session)"])
                team.insert(self.lastDeployment(harness) ?? "none")
            }
            #expect(team.count == 1, "x-team comes first in the model's list: \(team)")
        }
    }

    @Test func sessionHeadersAreReadAsOneNameAListOrCommaSeparated() throws {
        func headers(_ value: String) throws -> [String] {
            let yaml = "models:\n  - { name: m, routing: { strategy: session, session_header: \(value) }, deployments: [{ provider: mock }] }\n"
            return try ConfigLoader.parse(yaml: yaml, environment: [:]).models[0].routing.sessionHeaders
        }
        #expect(try headers("X-Conversation") == ["x-conversation"])
        #expect(try headers("[x-a, X-B]") == ["x-a", "x-b"])
        #expect(try headers("\"x-a, x-b\"") == ["x-a", "x-b"])
        let defaults = try ConfigLoader.parse(yaml: "models:\n  - { name: m, deployments: [{ provider: mock }] }\n", environment: [:])
        #expect(defaults.models[0].routing.sessionHeaders == ["x-session-id", "x-claude-code-session-id", "session-id"])
        do {
            _ = try headers("\"x a\"")
            Issue.record("a header name with a space was accepted")
        } catch let error as ConfigError {
            #expect(error.problems.contains { $0.path == "models[0].routing.session_header" && $0.message.contains("not a header name") }, "\(error.problems)")
        }
    }
}
