import Foundation
import NIOHTTP1
import SluiceConfig
@testable import SluiceServer
import Testing

/// Profiles: the `pipeline` section read strictly (every problem with its place), the outline
/// `sluice check-config` prints, and the choice of profile per request over HTTP (a virtual key's
/// own, its tenant's, the default), across config reloads.
@Suite("Pipeline profiles")
struct PipelineProfileTests {
    private static let models = """
        models:
          - name: m
            deployments: [{ provider: mock }]

        """

    private func problems(_ yaml: String) -> [String] {
        do {
            _ = try ConfigLoader.parse(yaml: yaml, environment: [:])
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    // MARK: - Reading the config

    @Test func profilesAreReadInOrderWithTheirStagesDefaultAndTenants() throws {
        let config = try ConfigLoader.parse(yaml: Self.models + """
            pipeline:
              default_profile: capped
              tenant_profiles: { acme: open, globex: capped }
              profiles:
                open: []
                capped:
                  - output_ceiling: { max_output_tokens: 1024 }
                  - output_ceiling:
                      max_output_tokens: 2147483647
            """, environment: [:])
        #expect(config.pipeline.profiles == [
            PipelineProfileSettings(name: "open", stages: []),
            PipelineProfileSettings(name: "capped", stages: [.outputCeiling(maxOutputTokens: 1024), .outputCeiling(maxOutputTokens: Int(Int32.max))]),
        ])
        #expect(config.pipeline.defaultProfile == "capped")
        #expect(config.pipeline.tenantProfiles == ["acme": "open", "globex": "capped"])
    }

    @Test func withoutAPipelineSectionEveryoneGetsTheBuiltInDefault() throws {
        let config = try ConfigLoader.parse(yaml: Self.models, environment: [:])
        #expect(config.pipeline == PipelineSettings())
        #expect(config.pipeline.defaultProfile == "default")
        // The built-in profile may be named without being listed.
        let named = try ConfigLoader.parse(yaml: Self.models + "pipeline: { default_profile: default, tenant_profiles: { acme: default } }\n", environment: [:])
        #expect(named.pipeline.tenantProfiles == ["acme": "default"])
    }

    @Test func stageProblemsAreReportedWithTheirPlace() {
        // Lines 1–3 are the model list, so the pipeline starts on line 4.
        let found = self.problems(Self.models + """
            pipeline:
              profiles:
                capped:
                  - output_ceiling
                  - cache
                  - { semantic_cache: { threshold: 0.9 } }
                  - output_ceiling: {}
                  - output_ceiling: { max_output_tokens: 0 }
                  - output_ceiling: { max_output_tokens: 3000000000 }
                  - output_ceiling: { max_output_tokens: lots }
                  - output_ceiling: { max_output_tokens: 5, burst: 1 }
                  - { output_ceiling: { max_output_tokens: 5 }, cache: {} }
                  - [output_ceiling]
                broad: output_ceiling
            """)
        let stages = "(stages: output_ceiling)"
        let path = "pipeline.profiles.capped"
        #expect(found.contains("7:9: \(path)[0]: output_ceiling needs its max_output_tokens"), "\(found)")
        #expect(found.contains("8:9: \(path)[1]: unknown stage 'cache' \(stages)"), "\(found)")
        #expect(found.contains("9:9: \(path)[2]: unknown stage 'semantic_cache' \(stages)"), "\(found)")
        #expect(found.contains("10:25: \(path)[3].output_ceiling: missing required key 'max_output_tokens'"), "\(found)")
        #expect(found.contains("11:46: \(path)[4].output_ceiling.max_output_tokens: must be at least 1, got 0"), "\(found)")
        #expect(found.contains("12:46: \(path)[5].output_ceiling.max_output_tokens: must be at most 2147483647"), "\(found)")
        #expect(found.contains("13:46: \(path)[6].output_ceiling.max_output_tokens: expected an integer"), "\(found)")
        #expect(found.contains { $0.hasPrefix("14:49: \(path)[7].output_ceiling.burst: unknown key 'burst'") }, "\(found)")
        #expect(found.contains("15:9: \(path)[8]: expected a stage name, or a mapping of one stage name to its settings"), "\(found)")
        #expect(found.contains("16:9: \(path)[9]: expected a stage name, or a mapping of one stage name to its settings"), "\(found)")
        #expect(found.contains("17:12: pipeline.profiles.broad: expected a list"), "\(found)")
        #expect(found.count == 11, "\(found)")
    }

    @Test func profileNamesMustNameProfiles() {
        let found = self.problems(Self.models + """
            pipeline:
              default_profile: capped
              tenant_profiles:
                acme: open
                globex: capd
              profiles:
                open: []
            """)
        let known = "(profiles: default, open)"
        #expect(found.contains("5:20: pipeline.default_profile: no profile is named 'capped' \(known)"), "\(found)")
        #expect(found.contains("8:13: pipeline.tenant_profiles.globex: no profile is named 'capd' \(known)"), "\(found)")
        #expect(found.count == 2, "\(found)")
    }

    @Test func theSectionsShapeIsChecked() {
        let found = self.problems(Self.models + """
            pipeline:
              profiles: [capped]
              tenant_profiles: [acme]
              default_profiles: capped
            """)
        #expect(found.contains("5:13: pipeline.profiles: expected a mapping of profile names to lists of stages"), "\(found)")
        #expect(found.contains("6:20: pipeline.tenant_profiles: expected a mapping of tenant ids to profile names"), "\(found)")
        #expect(found.contains { $0.hasPrefix("7:3: pipeline.default_profiles: unknown key 'default_profiles'") }, "\(found)")
        #expect(found.count == 3, "\(found)")
        #expect(self.problems(Self.models + "pipeline: [capped]\n") == ["4:11: pipeline: expected a mapping"])
    }

    // MARK: - The outline

    private static let outlined = """
        pipeline:
          tenant_profiles: { zeta: capped, acme: strict }
          profiles:
            capped:
              - output_ceiling: { max_output_tokens: 1024 }
            strict:
              - output_ceiling: { max_output_tokens: 64 }
              - output_ceiling: { max_output_tokens: 2048 }

        """

    @Test func theOutlineListsEachProfilesStagesWithoutAStore() throws {
        let config = try ConfigLoader.parse(yaml: Self.outlined + Self.models, environment: [:])
        let (admission, accounting) = ("model_access → request_rate_limit", "token_rate_limit → reasoning")
        #expect(Gateway.pipelineOutline(config) == [
            "profile default (default): \(admission) → \(accounting) → upstream",
            "profile capped: \(admission) → output_ceiling(max_output_tokens: 1024) → \(accounting) → upstream",
            "profile strict: \(admission) → output_ceiling(max_output_tokens: 64) → output_ceiling(max_output_tokens: 2048) → \(accounting) → upstream",
            "tenant acme → profile strict",
            "tenant zeta → profile capped",
        ])
    }

    @Test func withAStoreEveryProfileHasItsBudgetStage() throws {
        let yaml = Self.outlined.replacingOccurrences(of: "pipeline:\n", with: "pipeline:\n  default_profile: capped\n")
            + "store: { sqlite: /tmp/never-opened.sqlite }\n" + Self.models
        let config = try ConfigLoader.parse(yaml: yaml, environment: [:])
        let (admission, accounting) = ("model_access → request_rate_limit", "token_rate_limit → budget → reasoning")
        #expect(Gateway.pipelineOutline(config) == [
            "profile default: \(admission) → \(accounting) → upstream",
            "profile capped (default): \(admission) → output_ceiling(max_output_tokens: 1024) → \(accounting) → upstream",
            "profile strict: \(admission) → output_ceiling(max_output_tokens: 64) → output_ceiling(max_output_tokens: 2048) → \(accounting) → upstream",
            "tenant acme → profile strict",
            "tenant zeta → profile capped",
        ])
    }

    @Test func aConfiguredDefaultProfileIsListedOnce() throws {
        let config = try ConfigLoader.parse(yaml: Self.models + """
            pipeline:
              profiles:
                capped: [{ output_ceiling: { max_output_tokens: 8 } }]
                default: [{ output_ceiling: { max_output_tokens: 4096 } }]
            """, environment: [:])
        let (admission, accounting) = ("model_access → request_rate_limit", "token_rate_limit → reasoning")
        #expect(Gateway.pipelineOutline(config) == [
            "profile capped: \(admission) → output_ceiling(max_output_tokens: 8) → \(accounting) → upstream",
            "profile default (default): \(admission) → output_ceiling(max_output_tokens: 4096) → \(accounting) → upstream",
        ])
    }

    /// The README's example section prints the lines the README shows.
    @Test func theReadmeExampleOutlineIsWhatCheckConfigPrints() throws {
        let readme = try String(contentsOfFile: "README.md", encoding: .utf8)
        let start = try #require(readme.range(of: "```yaml\npipeline:\n"))
        let end = try #require(readme.range(of: "```", range: start.upperBound..<readme.endIndex))
        let yaml = String(readme[readme.index(start.lowerBound, offsetBy: 8)..<end.lowerBound])
        let output = try #require(readme.range(of: "`sluice check-config` prints the pipeline each profile assembles:\n\n```\n", range: end.upperBound..<readme.endIndex))
        let outputEnd = try #require(readme.range(of: "```", range: output.upperBound..<readme.endIndex))
        let shown = readme[output.upperBound..<outputEnd.lowerBound].split(separator: "\n").dropFirst().map { String($0.dropFirst(2)) }
        let config = try ConfigLoader.parse(yaml: yaml + "store: { sqlite: /tmp/never-opened.sqlite }\n" + Self.models, environment: [:])
        #expect(Gateway.pipelineOutline(config) == shown)
    }

    // MARK: - Over HTTP

    /// The ceiling of the `capped` profile, far below what the requests ask for.
    private static let ceiling = 32
    private static let settings = GatewayHarness.governanceSettings(extra: """
        pipeline:
          tenant_profiles: { acme: capped }
          profiles:
            capped:
              - output_ceiling: { max_output_tokens: \(ceiling) }

        """)

    private func admin(_ client: TestClient, _ path: String, _ body: String) async throws -> TestClient.Reply {
        try await client.request(.POST, "/admin/" + path, body: body, key: GatewayHarness.adminKey)
    }

    /// A virtual key, in `tenant` when given (made if new), with `metadata`; returns the key.
    private func makeKey(_ client: TestClient, tenant: String? = nil, metadata: [String: String] = [:]) async throws -> String {
        var fields = #""name":"profiled""#
        if let tenant {
            _ = try await self.admin(client, "tenants", #"{"id":"\#(tenant)","name":"\#(tenant)"}"#)
            fields += #","tenant_id":"\#(tenant)""#
        }
        if !metadata.isEmpty {
            let encoded = String(decoding: try JSONSerialization.data(withJSONObject: metadata, options: [.sortedKeys]), as: UTF8.self)
            fields += #","metadata":\#(encoded)"#
        }
        let reply = try await self.admin(client, "keys", "{\(fields)}")
        try #require(reply.status == 201, "\(reply.body)")
        return try #require(reply.json["key"] as? String)
    }

    /// What `stub-metered` received for one chat request, and the completion tokens it answered with.
    private func sent(
        _ harness: GatewayHarness, _ client: TestClient, key: String, extra: String = #","max_tokens":500"#, stream: Bool = false
    ) async throws -> (body: [String: Any], completionTokens: Int?) {
        let before = harness.stub.received.count
        let reply = try await client.chat(model: "stub-metered", stream: stream, extra: extra, key: key)
        try #require(reply.status == 200, "\(reply.body)")
        let received = harness.stub.received
        try #require(received.count == before + 1, "one request upstream")
        let usage = stream ? reply.eventObjects.last { $0["usage"] is [String: Any] }?["usage"] : reply.json["usage"]
        return (received[before].request.json, (usage as? [String: Any])?["completion_tokens"] as? Int)
    }

    @Test func aKeyOfTheCappedProfileIsCappedWhateverItAsksFor() async throws {
        try await withGateway(settings: Self.settings) { harness, client in
            let key = try await self.makeKey(client, metadata: ["profile": "capped"])
            let asked = try await self.sent(harness, client, key: key)
            #expect(asked.body["max_tokens"] as? Int == Self.ceiling)
            #expect(asked.completionTokens == Self.ceiling, "the upstream was told the ceiling")
            #expect((asked.body["messages"] as? [[String: Any]])?.first?["content"] as? String == "Say hello", "the rest of the body as sent")

            let newer = try await self.sent(harness, client, key: key, extra: #","max_completion_tokens":500"#)
            #expect(newer.body["max_completion_tokens"] as? Int == Self.ceiling, "the client's own name for the limit")
            #expect(newer.body["max_tokens"] == nil)

            let unlimited = try await self.sent(harness, client, key: key, extra: "")
            #expect(unlimited.body["max_tokens"] as? Int == Self.ceiling, "a request naming no limit gets the ceiling")
            #expect(unlimited.completionTokens == Self.ceiling)

            let modest = try await self.sent(harness, client, key: key, extra: #","max_tokens":5"#)
            #expect(modest.body["max_tokens"] as? Int == 5, "a request under the ceiling is left alone")

            let streamed = try await self.sent(harness, client, key: key, extra: #","max_tokens":500,"stream_options":{"include_usage":true}"#, stream: true)
            #expect(streamed.body["max_tokens"] as? Int == Self.ceiling)
            #expect(streamed.completionTokens == Self.ceiling)

            let record = try #require(try await harness.waitForRecords(5).first)
            #expect(record.usage?.completionTokens == Self.ceiling, "the ledger bills what the capped request produced")
        }
    }

    @Test func aNullLimitIsReplacedByTheCeilingNotRepeated() async throws {
        try await withGateway(settings: Self.settings) { harness, client in
            let key = try await self.makeKey(client, metadata: ["profile": "capped"])
            let reply = try await client.chat(model: "stub-metered", extra: #","max_tokens":null,"temperature":0"#, key: key)
            try #require(reply.status == 200, "\(reply.body)")
            let sent = try #require(harness.stub.received.last?.body)
            #expect(sent.components(separatedBy: "max_tokens").count == 2, "max_tokens named once: \(sent)")
            #expect(sent.contains(#""max_tokens":\#(Self.ceiling),"temperature":0"#), "\(sent)")
        }
    }

    @Test func anthropicMessagesAreCappedOnEitherPath() async throws {
        try await withGateway(settings: Self.settings) { harness, client in
            let key = try await self.makeKey(client, metadata: ["profile": "capped"])
            // Native to an Anthropic deployment, and translated to an OpenAI-compatible one.
            let native = #"{"model":"anthropic-ok","max_tokens":4000,"messages":[{"role":"user","content":"Hi"}]}"#
            let reply = try await client.request(.POST, "/v1/messages", body: native, key: key)
            #expect(reply.status == 200, "\(reply.body)")
            let received = try #require(harness.anthropicStub.server.requests.last { $0.path.hasSuffix("/messages") })
            #expect(received.json["max_tokens"] as? Int == Self.ceiling, "\(received.text)")

            let translated = #"{"model":"stub-metered","max_tokens":4000,"messages":[{"role":"user","content":"Hi"}]}"#
            let answer = try await client.request(.POST, "/v1/messages", body: translated, key: key)
            #expect(answer.status == 200, "\(answer.body)")
            let sent = try #require(harness.stub.received.last).request.json
            #expect((sent["max_tokens"] ?? sent["max_completion_tokens"]) as? Int == Self.ceiling, "\(sent)")
            #expect((answer.json["usage"] as? [String: Any])?["output_tokens"] as? Int == Self.ceiling)
        }
    }

    /// Anthropic refuses a thinking budget that is not under `max_tokens`: a ceiling that passes
    /// the budget halves it (at least 1,024 tokens), or turns thinking off when that cannot fit.
    @Test(arguments: [(ceiling: 32, thinking: #"{"type":"disabled"}"#), (ceiling: 8192, thinking: #"{"type":"enabled","budget_tokens":4096}"#)])
    func aCeilingKeepsAnthropicsThinkingBudgetUnderIt(ceiling: Int, thinking: String) async throws {
        let settings = Self.settings.replacingOccurrences(of: "max_output_tokens: \(Self.ceiling) }", with: "max_output_tokens: \(ceiling) }")
        try await withGateway(settings: settings) { harness, client in
            let key = try await self.makeKey(client, metadata: ["profile": "capped"])
            let body = #"{"model":"anthropic-ok","max_tokens":32000,"thinking":{"type":"enabled","budget_tokens":31999},"messages":[{"role":"user","content":"Hi"}]}"#
            let reply = try await client.request(.POST, "/v1/messages", body: body, key: key)
            #expect(reply.status == 200, "\(reply.body)")
            let received = try #require(harness.anthropicStub.server.requests.last { $0.path.hasSuffix("/messages") }).text
            #expect(received.contains(#""max_tokens":\#(ceiling),"thinking":\#(thinking),"messages""#), "\(received)")
        }
    }

    @Test func theProfileIsTheKeysElseItsTenantsElseTheDefault() async throws {
        try await withGateway(settings: Self.settings) { harness, client in
            let inAcme = try await self.makeKey(client, tenant: "acme")
            #expect(try await self.sent(harness, client, key: inAcme).body["max_tokens"] as? Int == Self.ceiling, "acme's profile is capped")

            let elsewhere = try await self.makeKey(client, tenant: "globex")
            #expect(try await self.sent(harness, client, key: elsewhere).body["max_tokens"] as? Int == 500, "globex has no profile of its own")
            let alone = try await self.makeKey(client)
            let uncapped = try await self.sent(harness, client, key: alone)
            #expect(uncapped.body["max_tokens"] as? Int == 500)
            #expect(uncapped.completionTokens == 500)
            #expect(try await self.sent(harness, client, key: "sk-test").body["max_tokens"] as? Int == 500, "a static key gets the default")

            // The key's own choice comes before its tenant's.
            let chosen = try await self.makeKey(client, tenant: "acme", metadata: ["profile": "default"])
            #expect(try await self.sent(harness, client, key: chosen).body["max_tokens"] as? Int == 500)
        }
    }

    @Test func aKeyNamingAnUnknownProfileFallsBackToItsTenantsOrTheDefault() async throws {
        try await withGateway(settings: Self.settings) { harness, client in
            let inAcme = try await self.makeKey(client, tenant: "acme", metadata: ["profile": "no-such-profile"])
            #expect(try await self.sent(harness, client, key: inAcme).body["max_tokens"] as? Int == Self.ceiling)
            let alone = try await self.makeKey(client, metadata: ["profile": "no-such-profile"])
            #expect(try await self.sent(harness, client, key: alone).body["max_tokens"] as? Int == 500)
        }
    }

    /// The ceiling edits the body before anything is charged (its documented promise): a budget
    /// with room for the capped request but not for the one the client asked for admits it.
    @Test func budgetsSeeTheCappedRequest() async throws {
        try await withGateway(settings: Self.settings) { harness, client in
            let key = try await self.makeKey(client, metadata: ["profile": "capped"])
            let id = String(key.prefix(18))
            let budget = try await self.admin(client, "budgets", #"{"scope":"key","scope_id":"\#(id)","unit":"tokens","period":"day","limit":1000}"#)
            try #require(budget.status == 201, "\(budget.body)")
            let reply = try await client.chat(model: "stub-metered", extra: #","max_tokens":5000"#, key: key)
            #expect(reply.status == 200, "the capped request fits the budget: \(reply.body)")
            #expect(try await self.sent(harness, client, key: key, extra: #","max_tokens":10"#).body["max_tokens"] as? Int == 10, "a request that fits is admitted")
        }
    }

    /// The same for the key's tokens per minute, charged with the request's estimate.
    @Test func tokenRateLimitsSeeTheCappedRequest() async throws {
        try await withGateway(settings: Self.settings) { harness, client in
            let reply = try await self.admin(client, "keys", #"{"name":"metered","metadata":{"profile":"capped"},"tokens_per_minute":1000}"#)
            try #require(reply.status == 201, "\(reply.body)")
            let key = try #require(reply.json["key"] as? String)
            let answer = try await client.chat(model: "stub-metered", extra: #","max_tokens":5000"#, key: key)
            #expect(answer.status == 200, "the capped request fits the limit: \(answer.body)")
            #expect(try await self.sent(harness, client, key: key, extra: #","max_tokens":10"#).body["max_tokens"] as? Int == 10, "a request that fits is admitted")
        }
    }

    @Test func aReloadChangesTheProfilesForTheNextRequest() async throws {
        try await withGateway(settings: Self.settings) { harness, client in
            let capped = try await self.makeKey(client, metadata: ["profile": "capped"])
            #expect(try await self.sent(harness, client, key: capped).body["max_tokens"] as? Int == Self.ceiling)

            try self.rewriteConfig(harness) { $0.replacingOccurrences(of: "max_output_tokens: \(Self.ceiling) }", with: "max_output_tokens: 16 }") }
            try await self.reload(client)
            #expect(try await self.sent(harness, client, key: capped).body["max_tokens"] as? Int == 16)
            #expect(try await self.sent(harness, client, key: "sk-test").body["max_tokens"] as? Int == 500)

            try self.rewriteConfig(harness) { $0.replacingOccurrences(of: "pipeline:\n", with: "pipeline:\n  default_profile: capped\n") }
            try await self.reload(client)
            #expect(try await self.sent(harness, client, key: "sk-test").body["max_tokens"] as? Int == 16, "the default is now capped")

            // A profile the config no longer has: the key falls back to the default.
            try self.rewriteConfig(harness) { yaml in
                yaml.replacingOccurrences(of: "  default_profile: capped\n  tenant_profiles: { acme: capped }\n", with: "")
                    .replacingOccurrences(of: "    capped:\n", with: "    lean:\n")
            }
            try await self.reload(client)
            #expect(try await self.sent(harness, client, key: capped).body["max_tokens"] as? Int == 500)
        }
    }

    @Test func aReloadWithABrokenPipelineIsRefusedAndTheProfilesStay() async throws {
        try await withGateway(settings: Self.settings) { harness, client in
            let capped = try await self.makeKey(client, metadata: ["profile": "capped"])
            try self.rewriteConfig(harness) { $0.replacingOccurrences(of: "- output_ceiling: { max_output_tokens: \(Self.ceiling) }", with: "- output_ceiling: { max_output_tokens: 0 }") }
            let refused = try await client.request(.POST, "/admin/reload", key: GatewayHarness.adminKey)
            #expect(refused.status == 400)
            let message = try #require(refused.error["message"] as? String)
            #expect(message.contains("pipeline.profiles.capped[0].output_ceiling.max_output_tokens: must be at least 1"), "\(message)")
            #expect(try await self.sent(harness, client, key: capped).body["max_tokens"] as? Int == Self.ceiling)
        }
    }

    /// What `sluice check-config` prints is what each runtime runs: the same stages, in order,
    /// for every profile.
    @Test func theOutlineDescribesTheProfilesTheGatewayAssembles() async throws {
        try await withGateway(settings: Self.settings) { harness, _ in
            let assembled = harness.gateway.active.current.profiles.ordered
            let outlined = Gateway.pipelineOutline(harness.gateway.config).filter { $0.hasPrefix("profile ") }
            #expect(assembled.count == outlined.count)
            for profile in assembled {
                let stages = profile.stages.map(\.name).joined(separator: " → ")
                let line = try #require(outlined.first { $0.hasPrefix("profile \(profile.name):") || $0.hasPrefix("profile \(profile.name) (default):") })
                let shown = line.split(separator: ": ", maxSplits: 1)[1].replacing(#/\([^)]*\)/#, with: "")
                #expect(shown == stages + " → upstream", "\(profile.name)")
            }
        }
    }

    private func rewriteConfig(_ harness: GatewayHarness, _ edit: (String) -> String) throws {
        let yaml = try String(contentsOfFile: harness.configPath, encoding: .utf8)
        let edited = edit(yaml)
        try #require(edited != yaml, "the edit changed nothing")
        try edited.write(toFile: harness.configPath, atomically: true, encoding: .utf8)
    }

    private func reload(_ client: TestClient) async throws {
        let reply = try await client.request(.POST, "/admin/reload", key: GatewayHarness.adminKey)
        try #require(reply.status == 200, "\(reply.body)")
    }
}
