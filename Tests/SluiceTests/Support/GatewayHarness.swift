import Foundation
import SluiceProviders
import Logging
import NIOCore
import ServiceLifecycle
import SluiceConfig
@testable import SluiceServer
import Synchronization

/// A real gateway on a free loopback port, in front of a ``StubUpstream``, a ``StubAnthropic``,
/// a ``StubBedrock`` and a ``StubGemini``, built from YAML.
final class GatewayHarness: Sendable {
    let baseURL: String
    let stub: StubUpstream
    let anthropicStub: StubAnthropic
    let bedrockStub: StubBedrock
    let geminiStub: StubGemini
    let records: CollectingRecorder
    let logs: LogCapture
    let gateway: Gateway
    /// The config file the gateway was started from and reloads read.
    let configPath: String
    /// The governance store, when the settings name one.
    let governance: Governance?
    private let group: ServiceGroup
    private let task: Task<Void, any Error>
    private let upstreamClient: UpstreamHTTPClient

    /// Models every test config has: one per stub behaviour (`stub-<behaviour>`, and
    /// `anthropic-<behaviour>`, `bedrock-<behaviour>` and `gemini-<behaviour>` for the Anthropic, Bedrock and Gemini stubs),
    /// the stub behind Azure OpenAI's paths (`azure-ok`), plus mocks.
    static func defaultModels(stubURL: String, anthropicURL: String, bedrockURL: String, geminiURL: String) -> String {
        let behaviours = ["ok", "error-400", "rate-limited", "error-500", "slow-head", "stall", "cut", "early-end", "garbage", "invalid-json", "slow-stream", "delay", "close-after", "connection-close", "context-exceeded", "loop", "metered", "unmetered"]
        var yaml = "models:\n"
        for behaviour in behaviours {
            yaml += """
              - name: stub-\(behaviour)
                deployments:
                  - provider: openai
                    base_url: \(stubURL)
                    api_key: sk-upstream-secret
                    model: \(behaviour)
                    price: { input_per_million: 1, output_per_million: 2 }

            """
        }
        yaml += """
          - name: demo
            deployments:
              - provider: mock
                mock: { completion_tokens: 5 }
          - name: mock-slow
            deployments:
              - provider: mock
                mock: { time_to_first_token: 20ms, tokens_per_second: 40, completion_tokens: 20 }
          - name: mock-long
            deployments:
              - provider: mock
                mock: { time_to_first_token: 20ms, tokens_per_second: 10, completion_tokens: 25 }
          - name: mock-cut
            deployments:
              - provider: mock
                mock: { fault: { kind: cut, after_tokens: 2 } }
          - name: mock-stall
            deployments:
              - provider: mock
                mock: { fault: { kind: stall, after_tokens: 1 } }
          - name: mock-503
            deployments:
              - provider: mock
                mock: { fault: { kind: status, status: 503 } }
          - name: flaky
            routing: { strategy: cost, retries: 1 }
            deployments:
              - { provider: openai, base_url: \(stubURL), model: error-500, price: { input_per_million: 1 } }
              - { provider: openai, base_url: \(stubURL), model: ok, price: { input_per_million: 2 } }
          - name: picky
            routing: { strategy: cost, retries: 1 }
            deployments:
              - { provider: openai, base_url: \(stubURL), model: error-400, price: { input_per_million: 1 } }
              - { provider: openai, base_url: \(stubURL), model: ok, price: { input_per_million: 2 } }
          - name: resumable
            routing: { strategy: cost, retries: 1, stream_resume: true }
            deployments:
              - { provider: openai, base_url: \(stubURL), model: cut, price: { input_per_million: 1 } }
              - { provider: openai, base_url: \(stubURL), model: continue, price: { input_per_million: 2 } }
          - name: resumable-alone
            routing: { retries: 1, stream_resume: true }
            deployments:
              - { provider: openai, base_url: \(stubURL), model: cut }
          - name: reasoning-normalized
            deployments:
              - { provider: openai, base_url: \(stubURL), model: think, reasoning: normalize }
          - name: reasoning-stripped
            deployments:
              - { provider: openai, base_url: \(stubURL), model: think, reasoning: strip }
          - name: limited
            deployments:
              - { provider: openai, base_url: \(stubURL), model: ok, rate_limit: { requests_per_minute: 2 } }
          - name: dead
            routing: { retries: 0 }
            deployments:
              - { provider: openai, base_url: \(stubURL), model: error-500 }
          - name: primary
            routing: { fallbacks: [stub-ok] }
            deployments:
              - { provider: openai, base_url: \(stubURL), model: error-500 }
          - name: small
            routing: { fallbacks: [stub-ok] }
            deployments:
              - { provider: openai, base_url: \(stubURL), model: context-exceeded }
          - name: measured
            routing: { strategy: least-requests }
            deployments:
              - { provider: openai, base_url: \(stubURL), model: connection-close, metrics_url: "\(stubURL.dropLast(3))/metrics-busy" }
              - { provider: openai, base_url: \(stubURL), model: ok, metrics_url: "\(stubURL.dropLast(3))/metrics-idle" }
          - name: prefix-routed
            routing: { strategy: prefix, prefix_bytes: 64 }
            deployments:
              - { provider: openai, base_url: \(stubURL), model: ok }
              - { provider: openai, base_url: \(stubURL), model: connection-close }
              - { provider: openai, base_url: \(stubURL), model: metered }
          - name: measured-extreme
            routing: { strategy: least-requests }
            deployments:
              - { provider: openai, base_url: \(stubURL), model: ok, metrics_url: "\(stubURL.dropLast(3))/metrics-extreme" }
          - name: stub-numbers
            deployments:
              - { provider: openai, base_url: \(stubURL), model: numbers, price: { input_per_million: 1, output_per_million: 2 } }
          - name: stub-numbers-priceless
            deployments:
              - { provider: openai, base_url: \(stubURL), model: numbers, price: { input_per_million: 1e300, output_per_million: 1e300 } }
          - name: refused
            deployments:
              - provider: openai
                base_url: http://127.0.0.1:1/v1
                model: anything
          - name: azure-ok
            deployments:
              - { provider: azure, base_url: "\(stubURL.dropLast(3))", api_key: sk-azure-secret, model: ok }
          - name: anthropic-ok
            deployments:
              - { provider: anthropic, base_url: \(anthropicURL), api_key: sk-anthropic-secret, model: ok, max_output_tokens: 1024, price: { input_per_million: 1, output_per_million: 2 } }

        """
        for behaviour in ["tools", "overloaded", "rate-limited", "invalid", "cut"] {
            yaml += """
              - name: anthropic-\(behaviour)
                deployments:
                  - { provider: anthropic, base_url: \(anthropicURL), api_key: sk-anthropic-secret, model: \(behaviour) }

            """
        }
        yaml += """
          - name: anthropic-small
            routing: { fallbacks: [anthropic-ok] }
            deployments:
              - { provider: anthropic, base_url: \(anthropicURL), api_key: sk-anthropic-secret, model: too-long }

        """
        for (name, model) in [("ok", "\"ok-v1:0\""), ("tools", "tools"), ("throttled", "throttled"), ("stream-error", "stream-error")] {
            yaml += """
              - name: bedrock-\(name)
                deployments:
                  - provider: bedrock
                    base_url: \(bedrockURL)
                    region: \(StubBedrock.region)
                    aws_access_key_id: \(StubBedrock.credentials.accessKeyID)
                    aws_secret_access_key: \(StubBedrock.credentials.secretAccessKey)
                    aws_session_token: \(StubBedrock.credentials.sessionToken!)
                    model: \(model)
                    price: { input_per_million: 1, output_per_million: 2 }

            """
        }
        for behaviour in ["ok", "tools", "blocked", "rate-limited"] {
            yaml += """
              - name: gemini-\(behaviour)
                deployments:
                  - { provider: gemini, base_url: \(geminiURL), api_key: gemini-secret, model: \(behaviour), price: { input_per_million: 1, output_per_million: 2 } }

            """
        }
        yaml += """
          - name: gemini-stripped
            deployments:
              - { provider: gemini, base_url: \(geminiURL), api_key: gemini-secret, model: ok, reasoning: strip }

        """
        yaml += ProviderKind.conformanceModels(stubURL: stubURL, anthropicURL: anthropicURL, bedrockURL: bedrockURL, geminiURL: geminiURL)
        return yaml
    }

    static let defaultSettings = """
        server: { host: 127.0.0.1, port: 0, max_request_body: 64KiB, drain_timeout: 2s }
        log: { level: info }
        timeouts: { connect: 1s, first_token: 1s, between_tokens: 500ms, request: 5s }
        auth: { api_keys: [sk-test, sk-other] }

        """

    /// Settings with an SQLite governance store in a new temporary file and an admin key.
    static func governanceSettings(extra: String = "") -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-test-\(UUID().uuidString).sqlite").path
        return self.defaultSettings.replacingOccurrences(of: "auth: { api_keys: [sk-test, sk-other] }", with: "auth: { api_keys: [sk-test], admin_key: \(Self.adminKey) }")
            + "store: { sqlite: \(path), ledger_flush_interval: 50ms }\n" + extra
    }

    static let adminKey = "sk-admin-0123456789abcdef"

    /// - Parameter extraStages: pipeline stages added to the end of every profile.
    static func start(settings: String = defaultSettings, extraStages: [any PipelineStage] = []) async throws -> GatewayHarness {
        let stub = try await StubUpstream.start()
        let anthropicStub = try await StubAnthropic.start()
        let bedrockStub = try await StubBedrock.start()
        let geminiStub = try await StubGemini.start()
        let yaml = settings + self.defaultModels(
            stubURL: stub.baseURL, anthropicURL: anthropicStub.baseURL, bedrockURL: bedrockStub.baseURL, geminiURL: geminiStub.baseURL
        )
        let configPath = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-test-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: configPath, atomically: true, encoding: .utf8)
        let config = try ConfigLoader.load(file: configPath, environment: [:])
        let logs = LogCapture()
        var logger = Logger(label: "sluice-test") { _ in logs.handler() }
        logger.logLevel = .info
        let client = Gateway.makeHTTPClient(config)
        let records = CollectingRecorder()
        let governance = try await Governance.open(config.governance, logger: logger)
        let gateway = try Gateway(
            config: config, httpClient: client, governance: governance, recorder: records,
            configSource: { try ConfigLoader.load(file: configPath, environment: [:]) }, extraStages: extraStages
        )
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let group = gateway.serviceGroup(logger: logger, handleSignals: false) { channel in
            continuation.yield(channel.localAddress?.port ?? 0)
        }
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        let port = await iterator.next() ?? 0
        return GatewayHarness(
            baseURL: "\(config.server.tls == nil ? "http" : "https")://127.0.0.1:\(port)", stub: stub, anthropicStub: anthropicStub, bedrockStub: bedrockStub, geminiStub: geminiStub, records: records, logs: logs, gateway: gateway, configPath: configPath, governance: governance,
            group: group, task: task, upstreamClient: client
        )
    }

    private init(
        baseURL: String, stub: StubUpstream, anthropicStub: StubAnthropic, bedrockStub: StubBedrock, geminiStub: StubGemini, records: CollectingRecorder, logs: LogCapture, gateway: Gateway, configPath: String, governance: Governance?,
        group: ServiceGroup, task: Task<Void, any Error>, upstreamClient: UpstreamHTTPClient
    ) {
        self.baseURL = baseURL
        self.stub = stub
        self.anthropicStub = anthropicStub
        self.bedrockStub = bedrockStub
        self.geminiStub = geminiStub
        self.records = records
        self.logs = logs
        self.gateway = gateway
        self.configPath = configPath
        self.governance = governance
        self.group = group
        self.task = task
        self.upstreamClient = upstreamClient
    }

    /// Begins graceful shutdown, as SIGTERM does.
    func beginShutdown() async {
        await self.group.triggerGracefulShutdown()
    }

    func stop() async {
        await self.group.triggerGracefulShutdown()
        _ = await self.task.result
        await self.upstreamClient.shutdown()
        await self.governance?.close()
        await self.stub.stop()
        await self.anthropicStub.stop()
        await self.bedrockStub.stop()
        await self.geminiStub.stop()
        try? FileManager.default.removeItem(atPath: self.configPath)
    }

    /// Waits until `count` records arrived (streams record after their last byte), for up to ten
    /// seconds: a loaded machine running tests in parallel can take a while.
    func waitForRecords(_ count: Int) async throws -> [RequestRecord] {
        for _ in 0..<1000 {
            let records = self.records.all
            if records.count >= count { return records }
            try await Task.sleep(for: .milliseconds(10))
        }
        return self.records.all
    }
}

/// Runs `body` against a fresh gateway and stub, and stops both afterwards.
func withGateway(
    settings: String = GatewayHarness.defaultSettings, extraStages: [any PipelineStage] = [], _ body: (GatewayHarness, TestClient) async throws -> Void
) async throws {
    let harness = try await GatewayHarness.start(settings: settings, extraStages: extraStages)
    let client = TestClient(baseURL: harness.baseURL)
    do {
        try await body(harness, client)
    } catch {
        await harness.stop()
        throw error
    }
    await harness.stop()
}

/// Keeps every ``RequestRecord`` the gateway hands over.
final class CollectingRecorder: RequestRecorder {
    private let records = Mutex<[RequestRecord]>([])

    func record(_ record: RequestRecord) {
        self.records.withLock { $0.append(record) }
    }

    var all: [RequestRecord] { self.records.withLock { $0 } }
}

/// Keeps every log line, rendered as the JSON handler would.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    func handler() -> CapturingLogHandler { CapturingLogHandler(capture: self) }

    func append(_ line: String) {
        self.lines.withLock { $0.append(line) }
    }

    var all: [String] { self.lines.withLock { $0 } }
}

struct CapturingLogHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = self.metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        self.capture.append("\(event.level) \(event.message) \(fields)")
    }
}
