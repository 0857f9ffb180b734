import NIOCore
import SluiceConfig
import SluiceCore
import SluiceProviders

/// The public models and the deployments behind each, built from one config.
struct ModelCatalog: Sendable {
    private let routes: [String: ModelRoute]
    /// Every model's route, in name order.
    let allRoutes: [ModelRoute]
    /// The `GET /v1/models` answer, rendered once.
    let modelList: ByteBuffer
    /// When the models were loaded, in seconds since 1970, as the model list shows it.
    let created: Int

    /// - Parameter previous: the catalog this one replaces on a config reload: a deployment
    ///   configured exactly as before keeps its provider and its live state (breaker, load,
    ///   latency estimate), which requests still running on the old catalog go on updating.
    init(models: [ModelConfig], resilience: ResilienceSettings, client: UpstreamHTTPClient, created: Int, previous: ModelCatalog? = nil) {
        var routes: [String: ModelRoute] = [:]
        for model in models {
            var unchanged = previous?.route(model.name)?.deployments ?? []
            let deployments = model.deployments.enumerated().map { index, config in
                if let kept = unchanged.firstIndex(where: { $0.config == config }) {
                    let old = unchanged.remove(at: kept)
                    return Deployment(index: index, config: config, provider: old.provider, health: old.health)
                }
                return Deployment(
                    index: index, config: config, provider: ProviderFactory.make(config, publicModel: model.name, client: client),
                    health: DeploymentHealth(breaker: CircuitBreaker(
                        failureThreshold: resilience.breakerFailures, initialOpenFor: TimeAmount(resilience.breakerOpenFor),
                        maximumOpenFor: TimeAmount(resilience.breakerMaxOpenFor)
                    ))
                )
            }
            routes[model.name] = ModelRoute(name: model.name, deployments: deployments, routing: model.routing)
        }
        self.routes = routes
        self.created = created
        self.allRoutes = routes.values.sorted { $0.name < $1.name }
        let entries = models.map { #"{"id":\#(JSONString.quoted($0.name)),"object":"model","created":\#(created),"owned_by":"sluice"}"# }
        self.modelList = ByteBuffer(string: #"{"object":"list","data":[\#(entries.joined(separator: ","))]}"#)
    }

    func route(_ name: String) -> ModelRoute? {
        self.routes[name]
    }

    /// Every deployment of every model.
    var allDeployments: [Deployment] {
        self.allRoutes.flatMap(\.deployments)
    }
}

/// A public model name, its deployments and how requests are spread over them.
struct ModelRoute: Sendable {
    let name: String
    let deployments: [Deployment]
    let routing: RoutingSettings
    private let strategy: any RoutingStrategy

    init(name: String, deployments: [Deployment], routing: RoutingSettings) {
        self.name = name
        self.deployments = deployments
        self.routing = routing
        self.strategy = RoutingStrategies.make(routing)
    }

    /// The deployments to try, in order: those whose breakers would let a request through, as
    /// the strategy orders them.
    func plan(_ input: RoutingInput) -> [Deployment] {
        let now = NIODeadline.now()
        let available = self.deployments.filter { $0.health.isAvailable(at: now) }
        return self.strategy.order(available, for: input)
    }

    /// When the first open breaker will let a probe through.
    var reopensAt: NIODeadline? {
        self.deployments.compactMap(\.health.reopensAt).min()
    }
}

/// One configured backend with its provider and live state; shared by reference (its config is
/// large, and requests, leases and records all name it).
package final class Deployment: Sendable {
    /// Position among its model's deployments.
    package let index: Int
    let config: DeploymentConfig
    let provider: any Provider
    let health: DeploymentHealth

    package init(index: Int, config: DeploymentConfig, provider: any Provider, health: DeploymentHealth) {
        self.index = index
        self.config = config
        self.provider = provider
        self.health = health
    }

    /// `provider:upstream-model`, as logs and records name it.
    var label: String { "\(self.config.provider.rawValue):\(self.config.upstreamModel)" }
}
