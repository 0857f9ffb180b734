import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import SluiceConfig
import SluiceCore
import SluiceProviders

/// The gateway: the routes over a validated config, ready to run as a service.
///
/// ```swift
/// let client = Gateway.makeHTTPClient(config)
/// let gateway = Gateway(config: config, httpClient: client)
/// try await gateway.serviceGroup(logger: logger, handleSignals: true).run()
/// await client.shutdown()
/// ```
public struct Gateway: Sendable {
    public let config: GatewayConfig
    public let state = GatewayState()
    let catalog: ModelCatalog
    let recorder: (any RequestRecorder)?
    let httpClient: UpstreamHTTPClient
    /// Virtual keys, budgets, shared rate limits and the usage ledger; nil without a store.
    let governance: Governance?
    /// The tracer and its span exporter; nil when the config asks for no tracing.
    let tracing: GatewayTracing?

    public init(
        config: GatewayConfig, httpClient: UpstreamHTTPClient, governance: Governance? = nil, recorder: (any RequestRecorder)? = nil,
        created: Int = 1_700_000_000
    ) {
        self.config = config
        self.recorder = recorder
        self.governance = governance
        self.httpClient = httpClient
        self.tracing = GatewayTracing.make(config.tracing)
        self.catalog = ModelCatalog(models: config.models, resilience: config.resilience, client: httpClient, created: created)
    }

    /// The upstream HTTP client, sized and timed by the config. The caller shuts it down.
    public static func makeHTTPClient(_ config: GatewayConfig, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) -> UpstreamHTTPClient {
        var configuration = UpstreamHTTPClient.Configuration()
        configuration.maxConnectionsPerOrigin = config.upstream.maxConnectionsPerHost
        configuration.idleTimeout = TimeAmount(config.upstream.idleTimeout)
        configuration.connectTimeout = TimeAmount(config.timeouts.connect)
        return UpstreamHTTPClient(configuration: configuration, eventLoopGroup: eventLoopGroup)
    }

    /// Room for bursts of new connections (a thousand clients starting streams at once); the
    /// kernel caps it at `net.core.somaxconn`.
    static let listenBacklog = 4096

    /// The router with every route and middleware.
    func router() -> Router<SluiceRequestContext> {
        let router = Router(context: SluiceRequestContext.self)
        router.add(middleware: RequestEnvelopeMiddleware())
        let system = SystemController(state: self.state, catalog: self.catalog)
        router.get("/health", use: system.health)
        router.get("/ready", use: system.ready)

        let admin = AdminController(governance: self.governance, system: system)
        admin.register(on: router.group("admin").add(middleware: AdminAuthMiddleware(adminKey: self.config.governance.adminKey.map { Array($0.value.utf8) })))

        let logger = Logger(label: "sluice")
        let sharedLimiter = self.governance?.limiter ?? RateLimiter(sharedStore: nil, logger: logger)
        let limits = RequestLimits(
            addressLimiter: RateLimiter(sharedStore: nil, logger: logger), requestsPerMinutePerIP: self.config.governance.requestsPerMinutePerIP,
            keyLimiter: sharedLimiter
        )
        let budget = RetryBudget(ratio: self.config.resilience.retryBudgetRatio, minimumPerSecond: self.config.resilience.retryBudgetMinimumPerSecond)
        let inference = InferenceController(
            catalog: self.catalog, executor: RoutePlanExecutor(catalog: self.catalog, budget: budget, limiter: sharedLimiter),
            timeouts: self.config.timeouts, maxRequestBodyBytes: self.config.server.maxRequestBodyBytes, recorder: self.recorder,
            slowRule: SlowAnswerRule(self.config.resilience), limits: limits, governance: self.governance, tracing: self.tracing
        )
        let auth = ClientAuthMiddleware(keys: self.config.clientKeys, directory: self.governance?.keys, limits: limits)
        let messages = AnthropicMessagesController(inference: inference)
        let anthropic = router.group("v1/messages").add(middleware: AnthropicErrorMiddleware()).add(middleware: auth)
        anthropic.post(use: messages.handle)
        anthropic.post("count_tokens", use: messages.countTokens)
        let v1 = router.group("v1").add(middleware: auth)
        v1.get("models", use: system.models)
        v1.get("usage", use: admin.usage)
        for endpoint in Endpoint.allCases {
            v1.post(RouterPath(endpoint.path)) { request, context in
                try await inference.handle(endpoint, request: request, context: context)
            }
        }
        return router
    }

    /// The HTTP application listening where the config says (port 0 picks a free port).
    public func application(logger: Logger, onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            router: self.router(),
            server: .http1(additionalChannelHandlers: [ClientHangUpHandler()]),
            configuration: .init(
                address: .hostname(self.config.server.host, port: self.config.server.port), serverName: nil,
                backlog: Self.listenBacklog
            ),
            onServerRunning: onServerRunning,
            logger: logger
        )
    }

    /// The application and the drain monitor in one service group. With `handleSignals`, SIGTERM
    /// and SIGINT stop new connections and let in-flight requests finish for up to the drain timeout.
    public func serviceGroup(
        logger: Logger, handleSignals: Bool, onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> ServiceGroup {
        // Governance's ledger writer and the span exporter first: a service group stops its services
        // in reverse order, so their final flushes come after the server's last request.
        let governanceServices = self.governance?.services(logger: logger) ?? []
        let tracingServices = self.tracing.map { [$0.exporter] } ?? []
        var configuration = ServiceGroupConfiguration(
            services: (governanceServices + tracingServices).map { .init(service: $0) } + [
                .init(service: self.application(logger: logger, onServerRunning: onServerRunning)),
                .init(service: HealthProber(catalog: self.catalog, interval: self.config.resilience.probeInterval, logger: logger)),
                .init(service: BackendMetricsScraper(
                    catalog: self.catalog, client: self.httpClient, interval: self.config.resilience.metricsInterval, logger: logger
                )),
                .init(service: DrainMonitor(state: self.state)),
            ],
            gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [],
            logger: logger
        )
        configuration.maximumGracefulShutdownDuration = self.config.server.drainTimeout
        return ServiceGroup(configuration: configuration)
    }
}
