import Logging
import SluiceConfig
import SluiceCore
import SluiceProviders

/// What one config builds: the models and their deployments, the client keys, the limits, and
/// the controllers that serve requests with them. A reload builds a new runtime; requests
/// already running keep the one they started on until they finish.
final class GatewayRuntime: Sendable {
    let config: GatewayConfig
    let catalog: ModelCatalog
    let system: SystemController
    let inference: InferenceController
    /// The pipeline's profiles, assembled from this config.
    let profiles: PipelineProfiles
    let messages: AnthropicMessagesController
    let auth: ClientAuthMiddleware
    let metricsEndpoint: MetricsController
    /// The stored responses that Responses API requests continue and keep.
    let responseLog: ResponseLog
    let reasoningSeal: SealedReasoning

    /// What lives as long as the process, whatever the config says: the parts every runtime shares.
    struct Shared: Sendable {
        let state: GatewayState
        let httpClient: UpstreamHTTPClient
        let governance: Governance?
        /// Kept across reloads, so counters never go back and the dashboard keeps its figures.
        let observers: RequestObservers
        /// The tracer and its span exporter; nil when the config asks for no tracing.
        let tracing: GatewayTracing?
        /// Per-IP limits, kept across reloads so a reload does not reset them.
        let addressLimiter: RateLimiter
        /// Key and deployment limits (shared through the store when there is one).
        let sharedLimiter: RateLimiter
        /// The `created` time the model list shows.
        let created: Int
        /// Stages the embedding code adds to the end of every profile.
        let extraStages: [any PipelineStage]
        /// The Responses API's stored responses (written through to the governance store when
        /// there is one, in memory otherwise), kept across reloads like the store.
        let responses: ResponseLog
        /// Seals the reasoning of translated Responses answers for clients that keep no state.
        let reasoningSeal: SealedReasoning
        /// The listener's TLS context, which a reload replaces; nil for plain HTTP (turning TLS on
        /// or off takes a restart).
        let listenerTLS: ListenerTLS?
    }

    /// Every profile holds the stages that keep the gateway's promises: model access and the key's
    /// request rate before its own stages; the key's token rate, budgets when there is a store,
    /// and each deployment's reasoning setting after them, so that they count the request as the
    /// profile's stages left it.
    static func profiles(_ config: GatewayConfig, limits: RequestLimits, governance: Governance?, extra: [any PipelineStage]) -> PipelineProfiles {
        let admission: [any PipelineStage] = [ModelAccessStage(), RequestRateLimitStage(limits: limits)]
        var accounting: [any PipelineStage] = [TokenRateLimitStage(limits: limits)]
        if let governance {
            let bounds = OutputBounds(defaultMaxOutputTokens: governance.settings.defaultMaxOutputTokens)
            accounting.append(BudgetStage(budgets: governance.budgets, bounds: bounds))
        }
        accounting.append(ReasoningStage())
        return PipelineProfiles(config.pipeline, admission: admission, accounting: accounting, extra: extra)
    }

    /// - Parameter previous: the runtime this one replaces; its unchanged deployments carry over.
    init(config: GatewayConfig, shared: Shared, previous: GatewayRuntime? = nil) {
        self.config = config
        let catalog = ModelCatalog(
            models: config.models, resilience: config.resilience, client: shared.httpClient, created: shared.created, previous: previous?.catalog
        )
        self.catalog = catalog
        self.system = SystemController(state: shared.state, catalog: catalog, governance: shared.governance)
        let limits = RequestLimits(
            addressLimiter: shared.addressLimiter, requestsPerMinutePerIP: config.governance.requestsPerMinutePerIP, keyLimiter: shared.sharedLimiter
        )
        let budget = RetryBudget(ratio: config.resilience.retryBudgetRatio, minimumPerSecond: config.resilience.retryBudgetMinimumPerSecond)
        self.profiles = Self.profiles(config, limits: limits, governance: shared.governance, extra: shared.extraStages)
        let pipeline = InferencePipeline(
            profiles: self.profiles,
            executor: RoutePlanExecutor(catalog: catalog, budget: budget, limiter: shared.sharedLimiter, metrics: shared.observers.metrics),
            timeouts: config.timeouts, observers: shared.observers, slowRule: SlowAnswerRule(config.resilience), tracing: shared.tracing
        )
        self.responseLog = shared.responses
        self.reasoningSeal = shared.reasoningSeal
        self.inference = InferenceController(
            pipeline: pipeline, catalog: catalog, timeouts: config.timeouts, maxRequestBodyBytes: config.server.maxRequestBodyBytes,
            observers: shared.observers, limits: limits
        )
        self.messages = AnthropicMessagesController(inference: self.inference)
        self.auth = ClientAuthMiddleware(keys: config.clientKeys, directory: shared.governance?.keys, limits: limits)
        self.metricsEndpoint = MetricsController(metrics: shared.observers.metrics, catalog: catalog)
    }

    /// A codec for one Responses API request (a codec keeps its request's turn).
    func responsesCodec() -> ResponsesCodec {
        ResponsesCodec(log: self.responseLog, seal: self.reasoningSeal, settings: self.config.responses)
    }
}
