import NIOCore
import SluiceConfig
import SluiceCore
import SluiceProviders

/// The public models and the deployments behind each, built once from the config.
struct ModelCatalog: Sendable {
    private let routes: [String: ModelRoute]
    /// The `GET /v1/models` answer, rendered once.
    let modelList: ByteBuffer

    init(models: [ModelConfig], client: UpstreamHTTPClient, created: Int) {
        var routes: [String: ModelRoute] = [:]
        for model in models {
            let deployments = model.deployments.map { config in
                Deployment(config: config, provider: ProviderFactory.make(config, publicModel: model.name, client: client))
            }
            routes[model.name] = ModelRoute(name: model.name, deployments: deployments)
        }
        self.routes = routes
        let entries = models.map { #"{"id":\#(JSONString.quoted($0.name)),"object":"model","created":\#(created),"owned_by":"sluice"}"# }
        self.modelList = ByteBuffer(string: #"{"object":"list","data":[\#(entries.joined(separator: ","))]}"#)
    }

    func route(_ name: String) -> ModelRoute? {
        self.routes[name]
    }
}

/// A public model name and its deployments.
struct ModelRoute: Sendable {
    let name: String
    let deployments: [Deployment]
    private let totalWeight: Double

    init(name: String, deployments: [Deployment]) {
        self.name = name
        self.deployments = deployments
        self.totalWeight = deployments.reduce(0) { $0 + $1.config.weight }
    }

    /// A deployment chosen at random in proportion to the configured weights.
    func pick() -> Deployment {
        guard self.deployments.count > 1, self.totalWeight > 0 else { return self.deployments[0] }
        var point = Double.random(in: 0..<self.totalWeight)
        for deployment in self.deployments {
            point -= deployment.config.weight
            if point < 0 { return deployment }
        }
        return self.deployments[self.deployments.count - 1]
    }
}

/// One configured backend with its provider.
struct Deployment: Sendable {
    let config: DeploymentConfig
    let provider: any Provider

    /// `provider:upstream-model`, as logs and records name it.
    var label: String { "\(self.config.provider.rawValue):\(self.config.upstreamModel)" }
}
