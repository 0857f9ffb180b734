import Foundation
import SluiceCore
import Testing

@testable import SluiceConfig

@Suite("Config: strict reading, every problem with its place")
struct ConfigTests {
    private func problems(_ yaml: String, environment: [String: String] = [:]) -> [ConfigProblem] {
        do {
            _ = try ConfigLoader.parse(yaml: yaml, environment: environment)
            return []
        } catch {
            return error.problems
        }
    }

    private func origin(_ url: String) throws -> UpstreamOrigin {
        try #require(UpstreamOrigin(baseURL: url))
    }

    @Test func theDemoConfigIsValid() throws {
        let config = try ConfigLoader.load(file: "examples/demo.yaml", environment: [:])
        #expect(config.models.map(\.name) == ["demo"])
        #expect(config.clientKeys == [Secret("sk-demo")])
        #expect(config.governance.store == .sqlite(path: "sluice.db"))
        guard case .mock(let mock) = config.models[0].deployments[0].settings else {
            Issue.record("the demo model is served by the mock")
            return
        }
        #expect(mock.tokensPerSecond == 40)
        #expect(mock.fault == nil)
    }

    @Test func theReadmeConfigReferenceIsValid() throws {
        let readme = try String(contentsOfFile: "README.md", encoding: .utf8)
        let start = try #require(readme.range(of: "```yaml\nserver:"))
        let end = try #require(readme.range(of: "```", range: start.upperBound..<readme.endIndex))
        // The certificate and key files the reference names are read and checked: test ones stand in for them.
        let certificates = try TestCertificates.shared()
        let files = [
            "/etc/sluice/tls/fullchain.pem": certificates.server.certificate, "/etc/sluice/tls/privkey.pem": certificates.server.key,
            "/etc/sluice/tls/clients-ca.pem": certificates.clientCA.certificate, "/etc/sluice/upstream-ca.pem": certificates.ca.certificate,
            "/etc/sluice/gateway.pem": certificates.gateway.certificate, "/etc/sluice/gateway.key": certificates.gateway.key,
        ]
        let yaml = files.reduce(String(readme[readme.index(start.lowerBound, offsetBy: 8)..<end.lowerBound])) { yaml, file in
            yaml.replacingOccurrences(of: file.key, with: file.value)
        }
        let environment = [
            "SLUICE_CLIENT_KEY": "k", "OPENAI_API_KEY": "sk", "AZURE_OPENAI_API_KEY": "az", "ANTHROPIC_API_KEY": "sk-ant",
            "SLUICE_ADMIN_KEY": "sk-admin-0123456789abcdef", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret",
            "GEMINI_API_KEY": "gk", "OTEL_TOKEN": "otel-token", "SLUICE_REASONING_KEY": String(repeating: "A", count: 43) + "=",
        ]
        let config = try ConfigLoader.parse(yaml: yaml, environment: environment)
        #expect(config.models.map(\.name) == ["gpt-4o", "claude-sonnet", "gemini-flash", "demo"])
        #expect(config.models[0].deployments.map(\.provider) == [.openai, .openai, .openai, .azure])
        #expect(config.server.tls?.clientCA?.path == certificates.clientCA.certificate)
        #expect(config.adminClientCertificate == AdminClientCertificate(commonNames: ["ops"]))
        let upstreamTLS = config.models[0].deployments[2].settings.origin?.tlsSettings
        #expect(upstreamTLS?.serverName == "vllm.internal" && upstreamTLS?.clientCertificate?.path == certificates.gateway.certificate)
        #expect(config.models[1].deployments[0].provider == .anthropic)
        let bedrock = BedrockSettings(
            region: "us-east-1", accessKeyID: "AKIDEXAMPLE", secretAccessKey: Secret("secret"), origin: try self.origin("https://bedrock-runtime.us-east-1.amazonaws.com")
        )
        #expect(config.models[1].deployments[1].settings == .bedrock(bedrock))
        #expect(config.models[2].deployments[0].provider == .gemini)
        #expect(config.governance.store == .sqlite(path: "/var/lib/sluice/sluice.db"))
        #expect(config.governance.requestsPerMinutePerKey == 600)
        #expect(config.models[0].deployments[0].rateLimit == DeploymentRateLimit(requestsPerMinute: 5000, tokensPerMinute: 800_000))
        #expect(config.models[0].deployments[0].price.cachedInputPerMillion == 1.25)
        guard case .openai(let openAI) = config.models[0].deployments[0].settings else {
            Issue.record("not an OpenAI deployment")
            return
        }
        #expect(openAI.servesResponses)
        #expect(config.responses.storeTTL == .seconds(30 * 86_400) && config.responses.reasoningKey != nil)
        #expect(config.models[0].routing.sessionHeaders == ["x-session-id", "x-claude-code-session-id", "session-id"])
    }

    @Test func geminiDeploymentsDefaultToGooglesAPIRoot() throws {
        let config = try ConfigLoader.parse(yaml: """
            models:
              - name: flash
                deployments:
                  - { provider: gemini, api_key: gk, model: gemini-2.5-flash }
            """, environment: [:])
        let deployment = try #require(config.models.first?.deployments.first)
        #expect(deployment.provider == .gemini)
        #expect(deployment.settings == .gemini(GeminiSettings(origin: try self.origin("https://generativelanguage.googleapis.com/v1beta"), apiKey: Secret("gk"))))
    }

    @Test func theUpstreamExampleReadsItsEnvironment() throws {
        let environment = ["SLUICE_UPSTREAM_URL": "http://127.0.0.1:8000/v1", "SLUICE_UPSTREAM_MODEL": "qwen"]
        let config = try ConfigLoader.load(file: "examples/upstream.yaml", environment: environment)
        let deployment = try #require(config.models.first?.deployments.first)
        #expect(deployment.settings == .openai(OpenAISettings(origin: try self.origin("http://127.0.0.1:8000/v1"))), "an unset key with an empty default is no key")
        #expect(deployment.upstreamModel == "qwen")
    }

    @Test func everyProblemIsReportedWithItsLineColumnAndPath() {
        let yaml = """
            server:
              port: 8080
              colour: blue
            models:
              - name: a
                deployments:
                  - provider: anthropik
                    model: x
              - name: a
                deployments:
                  - provider: openai
                    base_url: not a url
                    api_key: ${MISSING_KEY}
                    model: gpt
                    price: { input_per_million: -1 }
              - name: b
                deployments:
                  - provider: openai
                    model: gpt
            """
        let found = self.problems(yaml)
        let rendered = found.map(\.description)
        #expect(rendered.contains("3:3: server.colour: unknown key 'colour' (expected one of: body_read_timeout, drain_timeout, header_read_timeout, host, keep_alive_timeout, max_connections, max_connections_per_address, max_request_body, port, tls)"))
        #expect(rendered.contains { $0.hasPrefix("7:19: models[0].deployments[0].provider: unknown value 'anthropik'") })
        #expect(rendered.contains("9:11: models[1].name: duplicate model name 'a' (first defined at models[0])"))
        #expect(rendered.contains("12:19: models[1].deployments[0].base_url: not a valid http(s) URL: 'not a url'"))
        #expect(rendered.contains { $0.hasPrefix("13:18: models[1].deployments[0].api_key: environment variable MISSING_KEY is not set") })
        #expect(rendered.contains("15:37: models[1].deployments[0].price.input_per_million: must not be negative, got -1.0"))
        #expect(rendered.contains("18:9: models[2].deployments[0]: missing required key 'base_url' for provider openai"))
        #expect(found.count == 7)
    }

    @Test func secretsNeverAppearInProblems() {
        let yaml = """
            auth:
              api_keys: [sk-client-very-secret]
            models:
              - name: a
                deployments:
                  - provider: openai
                    base_url: http://x
                    api_key: sk-live-very-secret
                    model: m
                    bogus: 1
            """
        let text = self.problems(yaml).map(\.description).joined()
        #expect(text.contains("bogus"))
        #expect(!text.contains("very-secret"))
        #expect("\(Secret("sk-live-very-secret"))" == "<redacted>")
    }

    @Test func missingSectionsAndBadScalarsAreReported() {
        let found = self.problems("server: { port: 99999, drain_timeout: soon }\ntimeouts: { connect: 0s }\n").map(\.description)
        #expect(found.contains { $0.contains("server.port: must be at most 65535") })
        #expect(found.contains { $0.contains("server.drain_timeout: expected a duration") })
        #expect(found.contains { $0.contains("timeouts.connect: must be greater than zero") })
        #expect(found.contains { $0.contains("missing required key 'models'") })
    }

    @Test func routingIsReadAndFallbacksMustNameOtherModels() throws {
        let yaml = """
            models:
              - name: a
                routing: { strategy: least-tokens, retries: 2, fallbacks: [b] }
                deployments: [{ provider: mock }]
              - name: b
                routing: { fallbacks: [b, nope] }
                deployments: [{ provider: mock }]
            """
        let found = self.problems(yaml).map(\.description)
        #expect(found.contains { $0.contains("models[1].routing.fallbacks[0]: a model cannot fall back to itself") })
        #expect(found.contains { $0.contains("models[1].routing.fallbacks[1]: unknown model 'nope'") })
        let valid = try ConfigLoader.parse(yaml: yaml.replacingOccurrences(of: "[b, nope]", with: "[a]"), environment: [:])
        #expect(valid.models[0].routing.strategy == .leastTokens)
        #expect(valid.models[0].routing.retries == 2)
        #expect(valid.models[1].routing.fallbacks == ["a"])
    }

    @Test func governanceProblemsAreReported() {
        let yaml = """
            auth: { admin_key: short }
            store: { sqlite: a.db, postgres: "postgres://x@y/z", lease_ttl: 0s }
            limits: { per_key: { requests_per_minute: 0 } }
            models: [{ name: m, deployments: [{ provider: mock, rate_limit: { tokens_per_minute: many } }] }]
            """
        let found = self.problems(yaml).map(\.description)
        #expect(found.contains { $0.contains("auth.admin_key: the admin key must have at least 16 characters") })
        #expect(found.contains { $0.contains("store: give exactly one of 'sqlite' (a file path) or 'postgres' (a URL)") })
        #expect(found.contains { $0.contains("store.lease_ttl: must be greater than zero") })
        #expect(found.contains { $0.contains("limits.per_key.requests_per_minute: must be at least 1") })
        #expect(found.contains { $0.contains("models[0].deployments[0].rate_limit.tokens_per_minute: expected an integer") })
        #expect(!found.joined().contains("short"), "the admin key is a secret")
    }

    @Test func theStoreOutageSettingsAreReadAndChecked() throws {
        let yaml = """
            store:
              sqlite: a.db
              ledger_buffer_rows: 500
              ledger_spill_dir: /var/lib/sluice/spill
              when_unreachable: { budgets: open, known_keys_for: 2m }
            models: [{ name: m, deployments: [{ provider: mock }] }]
            """
        let governance = try ConfigLoader.parse(yaml: yaml, environment: [:]).governance
        #expect(governance.ledgerBufferRows == 500)
        #expect(governance.ledgerSpillDirectory == "/var/lib/sluice/spill")
        #expect(governance.budgetsWhenStoreUnreachable == .open)
        #expect(governance.knownKeysWhenStoreUnreachable == .seconds(120))
        let defaults = try ConfigLoader.parse(yaml: "store: { sqlite: a.db }\nmodels: [{ name: m, deployments: [{ provider: mock }] }]", environment: [:]).governance
        #expect(defaults.budgetsWhenStoreUnreachable == .closed)

        let found = self.problems(
            yaml.replacingOccurrences(of: "budgets: open", with: "budgets: ajar").replacingOccurrences(of: "ledger_buffer_rows: 500", with: "ledger_buffer_rows: 0")
        ).map(\.description)
        #expect(found.contains { $0.contains("store.when_unreachable.budgets: unknown value 'ajar' (expected one of: closed, open)") })
        #expect(found.contains { $0.contains("store.ledger_buffer_rows: must be at least 1") })
    }

    @Test func anthropicAndAzureDeploymentsGetTheirDefaults() throws {
        let yaml = """
            models:
              - name: claude
                deployments:
                  - { provider: anthropic, api_key: sk-ant, model: claude-sonnet-4-5 }
                  - { provider: anthropic, base_url: "http://10.0.0.9:8080/v1", model: claude-sonnet-4-5, anthropic_version: 2023-01-01 }
              - name: gpt
                deployments:
                  - { provider: azure, base_url: "https://myres.openai.azure.com", model: gpt-4o-prod }
                  - { provider: azure, base_url: "https://myres.openai.azure.com", model: gpt-4o-prod, api_version: 2025-04-01-preview }
            """
        let config = try ConfigLoader.parse(yaml: yaml, environment: [:])
        #expect(config.models[0].deployments.map(\.settings) == [
            .anthropic(AnthropicSettings(origin: try self.origin("https://api.anthropic.com/v1"), apiKey: Secret("sk-ant"), version: "2023-06-01")),
            .anthropic(AnthropicSettings(origin: try self.origin("http://10.0.0.9:8080/v1"), version: "2023-01-01")),
        ])
        let resource = try self.origin("https://myres.openai.azure.com")
        let azure = config.models[1].deployments
        #expect(azure.map(\.settings) == [
            .azure(AzureOpenAISettings(origin: resource, apiVersion: "2024-10-21")), .azure(AzureOpenAISettings(origin: resource, apiVersion: "2025-04-01-preview")),
        ])
        #expect(azure[0].upstreamModel == "gpt-4o-prod")
    }

    @Test func providerSettingsAreRejectedForOtherProviders() {
        let yaml = """
            models:
              - name: m
                deployments:
                  - { provider: openai, base_url: "http://x/v1", model: a, api_version: 2024-10-21 }
                  - { provider: azure, base_url: "http://x", model: a, anthropic_version: 2023-06-01 }
                  - { provider: azure, model: a, api_version: "" }
                  - { provider: anthropic }
            """
        let found = self.problems(yaml).map(\.description)
        #expect(found.contains { $0.contains("models[0].deployments[0].api_version: 'api_version' applies only to provider azure") })
        #expect(found.contains { $0.contains("models[0].deployments[1].anthropic_version: 'anthropic_version' applies only to provider anthropic") })
        #expect(found.contains { $0.contains("models[0].deployments[2]: missing required key 'base_url' for provider azure") })
        #expect(found.contains { $0.contains("models[0].deployments[2].api_version: must not be empty") })
        #expect(found.contains { $0.contains("models[0].deployments[3]: missing required key 'model'") })
        #expect(found.count == 5)
    }

    @Test func bedrockDeploymentsReadTheirRegionAndCredentialsStrictly() throws {
        let yaml = """
            models:
              - name: claude
                deployments:
                  - { provider: bedrock, region: eu-west-1, aws_access_key_id: AKID, aws_secret_access_key: "${AWS_SECRET}", model: "anthropic.claude-v2:1" }
                  - { provider: bedrock, base_url: "http://127.0.0.1:9000", region: us-east-1, aws_access_key_id: AKID, aws_secret_access_key: s, aws_session_token: t, model: m }
            """
        let config = try ConfigLoader.parse(yaml: yaml, environment: ["AWS_SECRET": "from-env"])
        let deployments = config.models[0].deployments
        #expect(deployments[0].settings == .bedrock(BedrockSettings(
            region: "eu-west-1", accessKeyID: "AKID", secretAccessKey: Secret("from-env"), origin: try self.origin("https://bedrock-runtime.eu-west-1.amazonaws.com")
        )))
        #expect(deployments[0].upstreamModel == "anthropic.claude-v2:1")
        #expect(deployments[1].settings == .bedrock(BedrockSettings(
            region: "us-east-1", accessKeyID: "AKID", secretAccessKey: Secret("s"), sessionToken: Secret("t"), origin: try self.origin("http://127.0.0.1:9000")
        )))

        let wrong = """
            models:
              - name: m
                deployments:
                  - { provider: openai, base_url: "http://x/v1", model: a, region: us-east-1, aws_secret_access_key: s }
                  - { provider: bedrock, model: a, aws_access_key_id: AKID }
            """
        let found = self.problems(wrong).map(\.description)
        #expect(found.contains { $0.contains("models[0].deployments[0].region: 'region' applies only to provider bedrock") })
        #expect(found.contains { $0.contains("models[0].deployments[0].aws_secret_access_key: 'aws_secret_access_key' applies only to provider bedrock") })
        #expect(found.contains { $0.contains("models[0].deployments[1]: missing required key 'region' for provider bedrock") })
        #expect(found.contains { $0.contains("models[0].deployments[1]: missing required key 'aws_secret_access_key' for provider bedrock") })
        #expect(found.count == 4)
    }

    @Test func settingsOfOtherKindsAreRefusedWhileKeysAndURLsConfigsAlwaysCarriedStillLoad() throws {
        let carried = """
            models:
              - name: m
                deployments:
                  - { provider: mock, base_url: "http://x/v1", api_key: sk }
                  - { provider: bedrock, api_key: sk, region: us-east-1, aws_access_key_id: AKID, aws_secret_access_key: s, model: a }
            """
        let config = try ConfigLoader.parse(yaml: carried, environment: [:])
        #expect(config.models[0].deployments.map(\.provider) == [.mock, .bedrock])
        #expect(config.models[0].deployments[0].settings == .mock(MockSettings()))

        let wrong = """
            models:
              - name: m
                deployments:
                  - { provider: openai, base_url: "http://x/v1", model: a, mock: { tokens_per_second: 5 } }
                  - { provider: gemini, base_url: "ftp://x", model: a }
                  - { provider: mock, mock: { fault: { kind: status, status: 600 } } }
            """
        let found = self.problems(wrong).map(\.description)
        #expect(found.contains { $0.contains("models[0].deployments[0].mock: 'mock' applies only to provider mock") })
        #expect(found.contains { $0.contains("models[0].deployments[1].base_url: not a valid http(s) URL: 'ftp://x'") })
        #expect(found.contains { $0.contains("models[0].deployments[2].mock.fault.status: must be an HTTP error status (400-599)") })
        #expect(found.count == 3)
    }

    @Test func invalidYAMLIsAProblemNotACrash() {
        let found = self.problems("models: [unclosed\n  - name: x: y")
        #expect(found.count == 1)
        #expect(found[0].description.contains("invalid YAML"))
        #expect(found[0].line != nil)
    }

    @Test(arguments: [("250ms", 250), ("5s", 5000), ("2m", 120_000), ("1.5", 1500), ("1h", 3_600_000)])
    func durationsAreRead(text: String, milliseconds: Int64) {
        #expect(ConfigValueParsing.duration(text) == .milliseconds(milliseconds))
    }

    @Test(arguments: [("4MiB", 4 << 20), ("512KiB", 512 << 10), ("1000", 1000), ("2MB", 2_000_000)])
    func sizesAreRead(text: String, bytes: Int) {
        #expect(ConfigValueParsing.byteSize(text) == bytes)
    }
}
