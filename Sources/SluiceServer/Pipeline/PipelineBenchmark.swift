import HTTPTypes
import Logging
import NIOCore
import NIOPosix
import SluiceConfig
import SluiceCore
import SluiceProviders

/// Times requests through the pipeline in process, without HTTP, against the built-in mock
/// model, for `sluice-pipeline-bench`: what the pipeline itself costs, and what each stage adds.
package enum PipelineBenchmark {
    /// A stage with all three hooks, each doing nothing: the pipeline's cost per stage.
    struct EmptyStage: PipelineStage {
        let name = "empty"
        let hooks: StageHooks = [.beforeDispatch, .answerFilter, .afterEnd]

        func answerFilter(for exchange: Exchange, dialect: WireDialect) -> (any AnswerFilter)? { Filter() }

        struct Filter: AnswerFilter {}
    }

    /// A pipeline with `emptyStages` empty stages in its profile, ready to time.
    package struct Subject: Sendable {
        let gateway: Gateway
        let body: ByteBuffer

        package init(emptyStages: Int) throws {
            var config = GatewayConfig()
            var mock = MockSettings()
            mock.completionTokens = 4
            config.models = [ModelConfig(name: "bench", deployments: [DeploymentConfig(settings: .mock(mock), upstreamModel: "mock")])]
            self.gateway = try Gateway(
                config: config, httpClient: Gateway.makeHTTPClient(config), governance: nil, recorder: nil, configSource: nil,
                extraStages: Array(repeating: EmptyStage(), count: emptyStages)
            )
            self.body = ByteBuffer(string: #"{"model":"bench","messages":[{"role":"user","content":"Say hello"}],"max_tokens":4}"#)
        }

        /// Runs `requests` non-streamed chat requests one after another.
        package func run(requests: Int) async throws {
            let pipeline = self.gateway.active.current.inference.pipeline
            let catalog = self.gateway.active.current.catalog
            let clientGone = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: Void.self)
            defer { clientGone.succeed() }
            var logger = Logger(label: "bench")
            logger.logLevel = .error
            for index in 0..<requests {
                let started = NIODeadline.now()
                let summary = try InferenceRequest(endpoint: .chatCompletions, body: self.body)
                let record = RequestRecord(
                    requestID: "bench-\(index)", endpoint: .chatCompletions, model: summary.model, servedModel: nil, deployment: nil, stream: false,
                    status: 200, attempts: 0, cost: 0, latency: .zero, keyID: nil, tenantID: nil, ledgerID: "bench-\(index)"
                )
                let exchange = Exchange(
                    codec: OpenAICodec(endpoint: .chatCompletions), body: self.body, summary: summary, catalog: catalog, headers: [:], caller: .staticKey,
                    requestID: record.requestID, logger: logger, started: started, deadline: started + .seconds(10),
                    clientGone: clientGone.futureResult, record: record
                )
                _ = try await pipeline.run(exchange)
            }
        }
    }

    /// Nanoseconds that watching for the client's departure adds to one non-streamed request:
    /// an empty operation run under ``ConnectionCloseSignal/cancellingTask(whenClosed:_:)`` against the same operation run bare.
    package static func departureCost(iterations: Int) async throws -> (watched: Double, bare: Double) {
        let clientGone = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: Void.self)
        defer { clientGone.succeed() }
        let clock = ContinuousClock()
        var sink = 0
        let bare = try await clock.measure {
            for index in 0..<iterations { sink &+= try await Self.operation(index) }
        }
        let watched = try await clock.measure {
            for index in 0..<iterations { sink &+= try await ConnectionCloseSignal.cancellingTask(whenClosed: clientGone.futureResult) { try await Self.operation(index) } }
        }
        precondition(sink != 1)
        return (Self.nanoseconds(watched) / Double(iterations), Self.nanoseconds(bare) / Double(iterations))
    }

    @inline(never)
    private static func operation(_ value: Int) async throws -> Int { value }

    private static func nanoseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1e9 + Double(duration.components.attoseconds) / 1e9
    }
}
