import Hummingbird
import HummingbirdCore
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
    /// Reads the config file again, for reloads (SIGHUP, `POST /admin/reload`).
    public typealias ConfigSource = @Sendable () throws -> GatewayConfig

    public var state: GatewayState { self.shared.state }
    /// The config new requests are served with.
    public var config: GatewayConfig { self.active.current.config }
    var catalog: ModelCatalog { self.active.current.catalog }
    let shared: GatewayRuntime.Shared
    let active: ActiveRuntime
    let configSource: ConfigSource?

    /// - Parameter configSource: where reloads read the config; without it the config cannot be reloaded.
    /// - Throws: when the audit log the config names cannot be opened, or no TLS context can be
    ///   built from the listener's certificate and key.
    public init(
        config: GatewayConfig, httpClient: UpstreamHTTPClient, governance: Governance? = nil, recorder: (any RequestRecorder)? = nil,
        created: Int = 1_700_000_000, configSource: ConfigSource? = nil
    ) throws {
        try self.init(config: config, httpClient: httpClient, governance: governance, recorder: recorder, created: created, configSource: configSource, extraStages: [])
    }

    /// - Parameter extraStages: stages added to the end of every profile.
    init(
        config: GatewayConfig, httpClient: UpstreamHTTPClient, governance: Governance?, recorder: (any RequestRecorder)?,
        created: Int = 1_700_000_000, configSource: ConfigSource?, extraStages: [any PipelineStage]
    ) throws {
        let logger = Logger(label: "sluice")
        let observers = RequestObservers(
            recorder: recorder, usageLedger: governance?.ledger,
            audit: try config.audit.path.map { try AuditLog(config.audit, path: $0, logger: logger) }, liveStats: LiveStats(), metrics: GatewayMetrics()
        )
        self.shared = GatewayRuntime.Shared(
            state: GatewayState(), httpClient: httpClient, governance: governance, observers: observers,
            tracing: GatewayTracing.make(config.tracing),
            addressLimiter: RateLimiter(sharedStore: nil, logger: logger),
            sharedLimiter: governance?.limiter ?? RateLimiter(sharedStore: nil, logger: logger), created: created, extraStages: extraStages,
            responses: ResponseLog(store: governance?.store, settings: config.responses, logger: logger),
            reasoningSeal: .configured(config.responses.reasoningKey),
            listenerTLS: try config.server.tls.map(ListenerTLS.init)
        )
        self.active = ActiveRuntime(GatewayRuntime(config: config, shared: self.shared))
        self.configSource = configSource
    }

    /// The upstream HTTP client, sized and timed by the config. The caller shuts it down.
    public static func makeHTTPClient(_ config: GatewayConfig, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) -> UpstreamHTTPClient {
        var configuration = UpstreamHTTPClient.Configuration()
        configuration.maxConnectionsPerOrigin = config.upstream.maxConnectionsPerHost
        configuration.idleTimeout = TimeAmount(config.upstream.idleTimeout)
        configuration.connectTimeout = TimeAmount(config.timeouts.connect)
        return UpstreamHTTPClient(configuration: configuration, eventLoopGroup: eventLoopGroup)
    }

    /// Room for bursts of new connections (thousands of clients starting streams at once); the
    /// kernel caps it at `net.core.somaxconn` (4,096 by default since Linux 5.4).
    static let listenBacklog = 65535

    /// Reloads the config from the config source; see ``ConfigReloader``.
    func reloader(logger: Logger) -> ConfigReloader {
        ConfigReloader(active: self.active, shared: self.shared, source: self.configSource, logger: logger)
    }

    /// The router with every route and middleware. Routes serve each request with the runtime
    /// that is active when it arrives.
    func router(logger: Logger) -> Router<SluiceRequestContext> {
        let router = Router(context: SluiceRequestContext.self)
        router.add(middleware: RequestEnvelopeMiddleware())
        let active = self.active
        router.get("/health") { request, context in active.current.system.health(request, context: context) }
        let status = router.group().add(middleware: StatusAccessMiddleware(active: active))
        status.get("/ready") { request, context in active.current.system.ready(request, context: context) }
        status.get("/metrics") { request, context in active.current.metricsEndpoint.scrape(request, context: context) }

        let admin = AdminController(governance: self.shared.governance, active: active, reloader: self.reloader(logger: logger))
        let adminKey = self.config.governance.adminKey.map { KeyDigest($0.value.utf8) }
        let adminAuth = AdminAuthMiddleware(adminKey: adminKey, active: active)
        admin.register(on: router.group("admin").add(middleware: adminAuth))
        DashboardController(stats: self.shared.observers.liveStats, active: active).register(on: router, auth: adminAuth)

        let auth = ActiveClientAuthMiddleware(active: active)
        // Inference routes apply the key's requests per minute themselves, after the ledger's record starts.
        let inferenceAuth = ActiveClientAuthMiddleware(active: active, admitsRequests: false)
        let anthropic = router.group("v1/messages").add(middleware: AnthropicErrorMiddleware()).add(middleware: inferenceAuth)
        anthropic.post { request, context in try await active.current.inference.handle(AnthropicMessagesCodec(), request: request, context: context) }
        anthropic.post("count_tokens") { request, context in try await active.current.messages.countTokens(request, context: context) }
        let v1 = router.group("v1").add(middleware: auth)
        v1.get("models") { request, context in active.current.system.models(request, context: context) }
        v1.get("models/**") { request, context in try active.current.system.model(request, context: context) }
        v1.get("usage", use: admin.usage)
        ResponsesController(log: self.shared.responses).register(on: v1)
        let inference = router.group("v1").add(middleware: inferenceAuth)
        inference.get("responses") { request, context in try ResponsesSocketUpgrade.route(request, context: context) }
        inference.post("responses") { request, context in
            let runtime = active.current
            return try await runtime.inference.handle(runtime.responsesCodec(), request: request, context: context)
        }
        for endpoint in Endpoint.allCases where endpoint != .responses {
            inference.post(RouterPath(endpoint.path)) { request, context in
                try await active.current.inference.handle(OpenAICodec(endpoint: endpoint), request: request, context: context)
            }
        }
        return router
    }

    /// The HTTP application listening where the config says (port 0 picks a free port), within
    /// the config's connection limits. Past the global cap, which is kept within the open-file
    /// limit, it stops accepting (new clients wait in the listen backlog) and serves the
    /// connections it has; should descriptors run out all the same, NIO's accept backoff pauses
    /// accepting for a second at a time.
    public func application(logger: Logger, onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) -> some ApplicationProtocol {
        let limits = self.config.server.connections
        let maxConnections = OpenFileLimit.clientConnectionCap(configured: limits.maxConnections)
        if maxConnections < limits.maxConnections {
            logger.warning(
                "server.max_connections is lowered to fit the open-file limit",
                metadata: ["max_connections": .stringConvertible(limits.maxConnections), "lowered_to": .stringConvertible(maxConnections)]
            )
        }
        let addresses = ClientAddressCap(limit: limits.maxConnectionsPerAddress)
        let responder = self.router(logger: logger).buildResponder()
        let webSocket = ResponsesSocketUpgrade(respond: responder.respond, maxMessageBytes: self.config.server.maxRequestBodyBytes)
        return Application(
            responder: responder,
            server: HTTPServerBuilder { responder in
                GuardedHTTP1Channel(responder: responder, limits: limits, addresses: addresses, webSocket: webSocket, tls: self.shared.listenerTLS)
            },
            configuration: .init(
                address: .hostname(self.config.server.host, port: self.config.server.port), serverName: nil,
                backlog: Self.listenBacklog, availableConnectionsDelegate: MaximumAvailableConnections(maxConnections, logger: logger)
            ),
            onServerRunning: onServerRunning,
            logger: logger
        )
    }

    /// The application and the drain monitor in one service group. With `handleSignals`, SIGTERM
    /// and SIGINT stop new connections and let in-flight requests finish for up to the drain
    /// timeout, and SIGHUP reloads the config (when there is a config source).
    public func serviceGroup(
        logger: Logger, handleSignals: Bool, onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> ServiceGroup {
        // Governance's ledger writer, the audit log and the span exporter first: a service group stops its services
        // in reverse order, so their final flushes come after the server's last request.
        let governanceServices = self.shared.governance?.services(logger: logger) ?? []
        let auditServices = self.shared.observers.audit.map { [NamedService("audit log", $0)] } ?? []
        let tracingServices = self.shared.tracing.map { [NamedService("span exporter", $0.exporter)] } ?? []
        var services = governanceServices + auditServices + tracingServices + [
            NamedService("http server", self.application(logger: logger, onServerRunning: onServerRunning)),
            NamedService("health prober", HealthProber(active: self.active, interval: self.config.resilience.probeInterval, logger: logger)),
            NamedService("backend metrics scraper", BackendMetricsScraper(
                active: self.active, client: self.shared.httpClient, interval: self.config.resilience.metricsInterval, logger: logger
            )),
            NamedService("drain monitor", DrainMonitor(state: self.state)),
        ]
        if handleSignals && self.configSource != nil {
            services.append(NamedService("reload on SIGHUP", ReloadOnHangUp(reloader: self.reloader(logger: logger))))
        }
        var configuration = ServiceGroupConfiguration(
            services: services.map { .init(service: $0) },
            gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [],
            logger: logger
        )
        configuration.maximumGracefulShutdownDuration = self.config.server.drainTimeout
        return ServiceGroup(configuration: configuration)
    }
}
