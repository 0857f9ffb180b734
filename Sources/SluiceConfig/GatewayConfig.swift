import SluiceCore

/// The validated configuration of a gateway: every value checked, every default filled in.
///
/// Produced by ``ConfigLoader``; nothing downstream sees the raw file.
public struct GatewayConfig: Sendable, Equatable {
    public var server: ServerSettings
    public var log: LogSettings
    public var timeouts: Timeouts
    public var upstream: UpstreamSettings
    public var resilience: ResilienceSettings
    /// Keys clients may present as `Authorization: Bearer …`.
    public var clientKeys: [Secret]
    /// Public models in the order the file lists them.
    public var models: [ModelConfig]
    public var governance: GovernanceSettings
    public var audit: AuditSettings
    /// OpenTelemetry trace export; nil when off.
    public var tracing: TracingSettings?
    /// The profiles of optional pipeline stages, and who gets which.
    public var pipeline = PipelineSettings()
    /// Who may read `/metrics` and `/ready`.
    public var statusAccess: StatusAccess = .open
    /// The client certificate the admin API requires; nil when it requires none.
    public var adminClientCertificate: AdminClientCertificate?
    /// OpenAI's Responses API: stored responses and their retention, the reasoning seal's key.
    public var responses = ResponsesSettings()

    public init(
        server: ServerSettings = .init(), log: LogSettings = .init(), timeouts: Timeouts = .init(),
        upstream: UpstreamSettings = .init(), resilience: ResilienceSettings = .init(), clientKeys: [Secret] = [], models: [ModelConfig] = [],
        governance: GovernanceSettings = .init(), audit: AuditSettings = .init()
    ) {
        self.governance = governance
        self.audit = audit
        self.server = server
        self.log = log
        self.timeouts = timeouts
        self.upstream = upstream
        self.resilience = resilience
        self.clientKeys = clientKeys
        self.models = models
    }
}

/// Where the gateway listens and how it treats connections.
public struct ServerSettings: Sendable, Equatable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// Request bodies larger than this are refused with 413.
    public var maxRequestBodyBytes = 4 << 20
    /// How long in-flight requests may run on after SIGTERM before they are cut.
    public var drainTimeout: Duration = .seconds(30)
    /// Limits that keep slow or idle clients from holding connections (and file descriptors).
    public var connections = ConnectionLimits()
    /// TLS on the listening port; nil for plain HTTP.
    public var tls: ServerTLS?

    public init() {}
}

/// How the gateway logs.
public struct LogSettings: Sendable, Equatable {
    public enum Format: String, Sendable, CaseIterable {
        case json, text
    }

    public enum Level: String, Sendable, CaseIterable {
        case trace, debug, info, notice, warning, error, critical
    }

    public var level: Level = .info
    public var format: Format = .json

    public init() {}
}

/// Limits on how long an upstream may take.
public struct Timeouts: Sendable, Equatable {
    /// Establishing the TCP (and TLS) connection.
    public var connect: Duration = .seconds(5)
    /// From dispatch to the first streamed chunk.
    public var firstToken: Duration = .seconds(120)
    /// The longest silence between two streamed chunks.
    public var betweenTokens: Duration = .seconds(60)
    /// The whole request, from dispatch to the last byte.
    public var request: Duration = .seconds(600)

    public init() {}
}

/// The upstream connection pool.
public struct UpstreamSettings: Sendable, Equatable {
    /// Kept-alive HTTP/1.1 connections per upstream host; requests beyond it wait for one.
    public var maxConnectionsPerHost = 256
    /// Idle upstream connections are closed after this long.
    public var idleTimeout: Duration = .seconds(60)

    public init() {}
}

/// Circuit breakers and the retry budget, shared by every model.
public struct ResilienceSettings: Sendable, Equatable {
    /// Consecutive failures that open a deployment's breaker.
    public var breakerFailures = 5
    /// How long a breaker stays open at first; each failed probe doubles it, up to `breakerMaxOpenFor`.
    public var breakerOpenFor: Duration = .seconds(5)
    public var breakerMaxOpenFor: Duration = .seconds(300)
    /// How often open breakers are checked and, once their open time has passed, probed.
    public var probeInterval: Duration = .seconds(1)
    /// How often model servers' `metrics_url` are scraped; a reading older than three intervals
    /// is ignored, so a server that stops answering cannot hold routing on stale figures.
    public var metricsInterval: Duration = .seconds(2)
    /// Retries allowed as a share of requests, so that retries cannot multiply an outage.
    public var retryBudgetRatio = 0.2
    /// Retries always allowed per second, whatever the ratio says.
    public var retryBudgetMinimumPerSecond = 5
    /// A streamed answer whose first token took longer than this counts against its deployment,
    /// though it reached the client; nil to judge no time to first token.
    public var slowFirstToken: Duration?
    /// An answer of at least 16 tokens generated slower than this (tokens per second) counts
    /// against its deployment; nil to judge no speed.
    public var slowTokensPerSecond: Double?

    public init() {}
}

/// A public model name and the deployments that serve it.
public struct ModelConfig: Sendable, Equatable {
    public var name: String
    public var deployments: [DeploymentConfig]
    public var routing: RoutingSettings

    public init(name: String, deployments: [DeploymentConfig], routing: RoutingSettings = .init()) {
        self.name = name
        self.deployments = deployments
        self.routing = routing
    }
}

/// How a model's requests are spread over its deployments, retried and passed on.
public struct RoutingSettings: Sendable, Equatable {
    public var strategy: RoutingStrategyKind = .weighted
    /// Further attempts on other deployments when one fails before answering.
    public var retries = 1
    /// Models to try in order when every attempt on this one failed, was rate limited, or the
    /// prompt exceeded its context window.
    public var fallbacks: [String] = []
    /// The request headers (lowercased) that name a conversation, the first present winning: the
    /// `session` strategy pins it to a deployment by it (by the body's `user` when none is
    /// present), and the `prefix` strategy keys on it instead of the prompt's first bytes.
    public var sessionHeaders = Self.defaultSessionHeaders
    /// Sluice's own header and the ones Claude Code and Codex send with every request of a session.
    public static let defaultSessionHeaders = ["x-session-id", "x-claude-code-session-id", "session-id"]
    /// How much of the prompt (in bytes) identifies a shared prefix (`prefix` strategy).
    public var prefixBytes = 2048
    /// A prefix leaves its home deployment only when the home has more than `loadBound` times
    /// the requests in flight of the least loaded deployment (`prefix` strategy) ...
    public var loadBound = 1.5
    /// ... and more than `loadSlack` requests beyond it.
    public var loadSlack = 4
    /// When a stream dies mid-answer, continue it on another deployment of the model with the
    /// answer so far as the assistant's prefix (up to `retries` times). Needs backends that
    /// continue a final assistant message (`continue_final_message`: vLLM, SGLang).
    public var streamResume = false

    public init() {}
}

/// The balancers a model can use.
public enum RoutingStrategyKind: String, Sendable, CaseIterable {
    /// Random, in proportion to the deployments' weights.
    case weighted
    /// The deployment with the fewest requests in flight (per unit of weight).
    case leastRequests = "least-requests"
    /// The deployment with the fewest tokens outstanding (prompt estimate plus requested output).
    case leastTokens = "least-tokens"
    /// Power of two choices over a peak-EWMA of time to first token, scaled by load.
    case latency
    /// The same conversation to the same deployment (rendezvous hashing), so its caches stay warm.
    case session
    /// The cheapest healthy deployment first.
    case cost
    /// Requests sharing a long prompt prefix to the same deployment, whose KV cache holds it,
    /// unless that deployment is loaded past a bound (consistent hashing with bounded loads).
    case prefix
}

/// One backend that serves a public model: what routing and governance read of every deployment,
/// and the settings of its provider kind.
public struct DeploymentConfig: Sendable, Equatable {
    /// The provider kind with the settings only that kind reads (base URL, key, API version,
    /// region and credentials, the mock's behaviour).
    public var settings: ProviderSettings
    /// The model name the upstream knows (for Azure the deployment name).
    public var upstreamModel: String
    public var weight: Double
    public var price: Price
    public var contextWindow: Int?
    public var maxOutputTokens: Int?
    /// A Prometheus endpoint of the model server (vLLM's or SGLang's `/metrics`) whose queue
    /// depth and KV-cache use feed load-aware routing.
    public var metricsURL: String?
    /// Requests and tokens per minute this deployment may take; it is skipped while over them.
    public var rateLimit: DeploymentRateLimit?
    /// What happens to the model's reasoning on its way to OpenAI clients.
    public var reasoning: ReasoningHandling

    public var provider: ProviderKind { self.settings.kind }

    public init(
        settings: ProviderSettings, upstreamModel: String, weight: Double = 1, price: Price = .init(), contextWindow: Int? = nil,
        maxOutputTokens: Int? = nil, metricsURL: String? = nil, rateLimit: DeploymentRateLimit? = nil, reasoning: ReasoningHandling = .pass
    ) {
        self.settings = settings
        self.upstreamModel = upstreamModel
        self.weight = weight
        self.price = price
        self.contextWindow = contextWindow
        self.maxOutputTokens = maxOutputTokens
        self.metricsURL = metricsURL
        self.rateLimit = rateLimit
        self.reasoning = reasoning
    }
}

/// Prices in currency units per million tokens.
public struct Price: Sendable, Equatable {
    public var inputPerMillion: Double = 0
    public var outputPerMillion: Double = 0
    /// The price of prompt tokens read from the provider's prompt cache; the input price when nil.
    public var cachedInputPerMillion: Double?
    /// The price of prompt tokens written to the provider's prompt cache for five minutes;
    /// Anthropic's 1.25 times the input price when nil.
    public var cacheWritePerMillion: Double?
    /// The price of prompt tokens written to the provider's prompt cache for an hour;
    /// Anthropic's twice the input price when nil.
    public var oneHourCacheWritePerMillion: Double?

    public init(
        inputPerMillion: Double = 0, outputPerMillion: Double = 0, cachedInputPerMillion: Double? = nil, cacheWritePerMillion: Double? = nil,
        oneHourCacheWritePerMillion: Double? = nil
    ) {
        self.inputPerMillion = inputPerMillion
        self.outputPerMillion = outputPerMillion
        self.cachedInputPerMillion = cachedInputPerMillion
        self.cacheWritePerMillion = cacheWritePerMillion
        self.oneHourCacheWritePerMillion = oneHourCacheWritePerMillion
    }

    /// The cost of `usage` at these prices: plain input, cache reads, five-minute and one-hour
    /// cache writes and output each at their own price.
    public func cost(of usage: Usage) -> Double {
        let cached = min(usage.cachedPromptTokens, usage.promptTokens)
        let written = min(usage.cacheWritePromptTokens, usage.promptTokens - cached)
        let writtenForAnHour = min(usage.oneHourCacheWritePromptTokens, written)
        let input = Double(usage.promptTokens - cached - written) * self.inputPerMillion
            + Double(cached) * (self.cachedInputPerMillion ?? self.inputPerMillion)
            + Double(written - writtenForAnHour) * self.effectiveCacheWritePerMillion
            + Double(writtenForAnHour) * self.effectiveOneHourCacheWritePerMillion
        return (input + Double(usage.completionTokens) * self.outputPerMillion) / 1_000_000
    }

    /// The price of a five-minute cache write, the default filled in.
    public var effectiveCacheWritePerMillion: Double { self.cacheWritePerMillion ?? 1.25 * self.inputPerMillion }
    /// The price of a one-hour cache write, the default filled in.
    public var effectiveOneHourCacheWritePerMillion: Double { self.oneHourCacheWritePerMillion ?? 2 * self.inputPerMillion }
}
