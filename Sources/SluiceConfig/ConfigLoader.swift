import Foundation
import SluiceCore
import Yams

/// Reads a config file into a ``GatewayConfig``, or reports every problem in it.
///
/// ```swift
/// let config = try ConfigLoader.load(file: "examples/demo.yaml")
/// ```
public enum ConfigLoader {
    public static func load(file: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> GatewayConfig {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ConfigError(file: file, problems: [ConfigProblem(path: "", line: nil, column: nil, message: "cannot read the file")])
        }
        return try self.parse(yaml: String(decoding: data, as: UTF8.self), file: file, environment: environment)
    }

    public static func parse(yaml: String, file: String = "<config>", environment: [String: String]) throws(ConfigError) -> GatewayConfig {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw ConfigError(file: file, problems: [ConfigProblem(path: "", line: nil, column: nil, message: "the file is empty")])
            }
            root = node
        } catch let error as ConfigError {
            throw error
        } catch {
            throw ConfigError(file: file, problems: [Self.problem(fromYAML: error)])
        }
        var reader = ConfigReader(environment: environment)
        let config = Self.gatewayConfig(root, reader: &reader)
        guard reader.problems.isEmpty else { throw ConfigError(file: file, problems: reader.problems) }
        return config
    }

    /// A YAML syntax error, without the excerpt of the file that Yams would print (it may hold secrets).
    private static func problem(fromYAML error: any Error) -> ConfigProblem {
        switch error as? YamlError {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return ConfigProblem(path: "", line: mark.line, column: mark.column, message: "invalid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ConfigProblem(path: "", line: context.mark.line, column: context.mark.column, message: "duplicate keys: \(duplicates.joined(separator: ", "))")
        default:
            return ConfigProblem(path: "", line: nil, column: nil, message: "invalid YAML")
        }
    }

    // MARK: - Sections

    private static func gatewayConfig(_ root: Node, reader: inout ConfigReader) -> GatewayConfig {
        let sections = reader.mapping(root, at: "", allowed: ["server", "log", "timeouts", "upstream", "resilience", "auth", "models", "store", "limits", "budgets", "audit", "tracing", "pipeline", "responses"])
        var config = GatewayConfig()
        if let node = sections["server"] { config.server = self.server(node, reader: &reader) }
        if let node = sections["log"] { config.log = self.log(node, reader: &reader) }
        if let node = sections["timeouts"] { config.timeouts = self.timeouts(node, reader: &reader) }
        if let node = sections["upstream"] { config.upstream = self.upstream(node, reader: &reader) }
        if let node = sections["resilience"] { config.resilience = self.resilience(node, reader: &reader) }
        if let node = sections["audit"] { config.audit = self.audit(node, reader: &reader) }
        if let node = sections["tracing"] { config.tracing = self.tracing(node, reader: &reader) }
        if let node = sections["pipeline"] { config.pipeline = self.pipeline(node, reader: &reader) }
        if let node = sections["responses"] { config.responses = self.responses(node, reader: &reader) }
        var adminKey: Node?
        if let node = sections["auth"] {
            let auth = reader.mapping(node, at: "auth", allowed: ["api_keys", "admin_key", "metrics_key", "status_access", "admin_client_certificate"])
            adminKey = auth["admin_key"]
            if let certificate = auth["admin_client_certificate"] {
                config.adminClientCertificate = self.adminClientCertificate(certificate, serverTLS: config.server.tls, reader: &reader)
            }
            config.statusAccess = self.statusAccess(auth, hasAdminKey: adminKey != nil, reader: &reader)
            if let keys = auth["api_keys"] {
                config.clientKeys = reader.sequence(keys, at: "auth.api_keys").enumerated().compactMap { index, key in
                    let path = "auth.api_keys[\(index)]"
                    guard let value = reader.string(key, at: path, secret: true) else { return nil }
                    guard !value.isEmpty else {
                        reader.report("an API key must not be empty", at: path, node: key)
                        return nil
                    }
                    return Secret(value)
                }
            }
        }
        config.governance = self.governance(
            store: sections["store"], limits: sections["limits"], budgets: sections["budgets"], adminKey: adminKey, reader: &reader
        )
        if let node = sections["models"] {
            config.models = self.models(node, reader: &reader)
            self.checkFallbacks(config.models, node: node, reader: &reader)
        } else {
            reader.report("missing required key 'models'", at: "models", node: root)
        }
        return config
    }

    private static func server(_ node: Node, reader: inout ConfigReader) -> ServerSettings {
        let members = reader.mapping(node, at: "server", allowed: Self.connectionKeys.union(["host", "port", "max_request_body", "drain_timeout", "tls"]))
        var settings = ServerSettings()
        if let host = members["host"].flatMap({ reader.string($0, at: "server.host") }) { settings.host = host }
        if let portNode = members["port"], let port = reader.integer(portNode, at: "server.port", minimum: 0) {
            if port > 65535 { reader.report("must be at most 65535", at: "server.port", node: portNode) } else { settings.port = port }
        }
        if let size = members["max_request_body"].flatMap({ reader.byteSize($0, at: "server.max_request_body") }) { settings.maxRequestBodyBytes = size }
        if let drain = members["drain_timeout"].flatMap({ reader.duration($0, at: "server.drain_timeout") }) { settings.drainTimeout = drain }
        settings.connections = self.connections(members, reader: &reader)
        settings.tls = members["tls"].flatMap { self.serverTLS($0, reader: &reader) }
        return settings
    }

    private static func log(_ node: Node, reader: inout ConfigReader) -> LogSettings {
        let members = reader.mapping(node, at: "log", allowed: ["level", "format"])
        var settings = LogSettings()
        if let level = members["level"].flatMap({ reader.choice($0, at: "log.level", as: LogSettings.Level.self) }) { settings.level = level }
        if let format = members["format"].flatMap({ reader.choice($0, at: "log.format", as: LogSettings.Format.self) }) { settings.format = format }
        return settings
    }

    private static func timeouts(_ node: Node, reader: inout ConfigReader) -> Timeouts {
        let members = reader.mapping(node, at: "timeouts", allowed: ["connect", "first_token", "between_tokens", "request"])
        var timeouts = Timeouts()
        func read(_ key: String, into field: WritableKeyPath<Timeouts, Duration>) {
            guard let node = members[key], let value = reader.positiveDuration(node, at: "timeouts.\(key)") else { return }
            timeouts[keyPath: field] = value
        }
        read("connect", into: \.connect)
        read("first_token", into: \.firstToken)
        read("between_tokens", into: \.betweenTokens)
        read("request", into: \.request)
        return timeouts
    }

    private static func upstream(_ node: Node, reader: inout ConfigReader) -> UpstreamSettings {
        let members = reader.mapping(node, at: "upstream", allowed: ["max_connections_per_host", "idle_timeout"])
        var settings = UpstreamSettings()
        if let count = members["max_connections_per_host"].flatMap({ reader.integer($0, at: "upstream.max_connections_per_host", minimum: 1) }) {
            settings.maxConnectionsPerHost = count
        }
        if let idle = members["idle_timeout"].flatMap({ reader.duration($0, at: "upstream.idle_timeout") }) { settings.idleTimeout = idle }
        return settings
    }

    private static func resilience(_ node: Node, reader: inout ConfigReader) -> ResilienceSettings {
        let members = reader.mapping(node, at: "resilience", allowed: ["breaker", "retry_budget", "metrics_interval", "slow"])
        var settings = ResilienceSettings()
        if let intervalNode = members["metrics_interval"], let interval = reader.duration(intervalNode, at: "resilience.metrics_interval") {
            if interval > .zero { settings.metricsInterval = interval } else {
                reader.report("must be greater than zero", at: "resilience.metrics_interval", node: intervalNode)
            }
        }
        if let breakerNode = members["breaker"] {
            let breaker = reader.mapping(breakerNode, at: "resilience.breaker", allowed: ["failures", "open_for", "max_open_for", "probe_interval"])
            if let interval = breaker["probe_interval"].flatMap({ reader.duration($0, at: "resilience.breaker.probe_interval") }) {
                if interval > .zero { settings.probeInterval = interval } else {
                    reader.report("must be greater than zero", at: "resilience.breaker.probe_interval", node: breaker["probe_interval"])
                }
            }
            if let failures = breaker["failures"].flatMap({ reader.integer($0, at: "resilience.breaker.failures", minimum: 1) }) { settings.breakerFailures = failures }
            if let openFor = breaker["open_for"].flatMap({ reader.duration($0, at: "resilience.breaker.open_for") }) { settings.breakerOpenFor = openFor }
            if let maxOpenFor = breaker["max_open_for"].flatMap({ reader.duration($0, at: "resilience.breaker.max_open_for") }) {
                settings.breakerMaxOpenFor = maxOpenFor
            }
        }
        if let budgetNode = members["retry_budget"] {
            let budget = reader.mapping(budgetNode, at: "resilience.retry_budget", allowed: ["ratio", "minimum_per_second"])
            if let ratio = budget["ratio"].flatMap({ reader.number($0, at: "resilience.retry_budget.ratio", range: 0...10) }) { settings.retryBudgetRatio = ratio }
            if let minimum = budget["minimum_per_second"].flatMap({ reader.integer($0, at: "resilience.retry_budget.minimum_per_second", minimum: 0) }) {
                settings.retryBudgetMinimumPerSecond = minimum
            }
        }
        if let slowNode = members["slow"] {
            let slow = reader.mapping(slowNode, at: "resilience.slow", allowed: ["time_to_first_token", "tokens_per_second"])
            settings.slowFirstToken = slow["time_to_first_token"].flatMap { reader.duration($0, at: "resilience.slow.time_to_first_token") }
            settings.slowTokensPerSecond = slow["tokens_per_second"].flatMap {
                reader.number($0, at: "resilience.slow.tokens_per_second", range: 0.001...1_000_000)
            }
        }
        return settings
    }

    // MARK: - Models

    private static func models(_ node: Node, reader: inout ConfigReader) -> [ModelConfig] {
        var seen: [String: Int] = [:]
        return reader.sequence(node, at: "models").enumerated().compactMap { index, modelNode in
            let path = "models[\(index)]"
            let members = reader.mapping(modelNode, at: path, allowed: ["name", "deployments", "routing"])
            guard let nameNode = members["name"] else {
                reader.report("missing required key 'name'", at: path, node: modelNode)
                return nil
            }
            guard let name = reader.string(nameNode, at: "\(path).name") else { return nil }
            if name.isEmpty { reader.report("a model name must not be empty", at: "\(path).name", node: nameNode) }
            if let first = seen[name] {
                reader.report("duplicate model name '\(name)' (first defined at models[\(first)])", at: "\(path).name", node: nameNode)
            }
            seen[name] = seen[name] ?? index
            guard let deploymentsNode = members["deployments"] else {
                reader.report("missing required key 'deployments'", at: path, node: modelNode)
                return nil
            }
            let list = reader.sequence(deploymentsNode, at: "\(path).deployments")
            if list.isEmpty, case .sequence = deploymentsNode {
                reader.report("a model needs at least one deployment", at: "\(path).deployments", node: deploymentsNode)
            }
            let deployments = list.enumerated().compactMap { offset, deployment in
                self.deployment(deployment, at: "\(path).deployments[\(offset)]", reader: &reader)
            }
            let routing = members["routing"].map { self.routing($0, at: "\(path).routing", reader: &reader) } ?? RoutingSettings()
            return ModelConfig(name: name, deployments: deployments, routing: routing)
        }
    }

    private static func routing(_ node: Node, at path: String, reader: inout ConfigReader) -> RoutingSettings {
        let members = reader.mapping(node, at: path, allowed: ["strategy", "retries", "fallbacks", "session_header", "prefix_bytes", "load_bound", "load_slack", "stream_resume"])
        var settings = RoutingSettings()
        if let strategy = members["strategy"].flatMap({ reader.choice($0, at: "\(path).strategy", as: RoutingStrategyKind.self) }) { settings.strategy = strategy }
        if let retries = members["retries"].flatMap({ reader.integer($0, at: "\(path).retries", minimum: 0) }) { settings.retries = retries }
        if let headers = members["session_header"] { settings.sessionHeaders = self.headerNames(headers, at: "\(path).session_header", reader: &reader) }
        if let bytes = members["prefix_bytes"].flatMap({ reader.integer($0, at: "\(path).prefix_bytes", minimum: 64) }) { settings.prefixBytes = bytes }
        if let bound = members["load_bound"].flatMap({ reader.number($0, at: "\(path).load_bound", range: 1...100) }) { settings.loadBound = bound }
        if let slack = members["load_slack"].flatMap({ reader.integer($0, at: "\(path).load_slack", minimum: 0) }) { settings.loadSlack = slack }
        if let resume = members["stream_resume"].flatMap({ reader.boolean($0, at: "\(path).stream_resume") }) { settings.streamResume = resume }
        if let fallbacks = members["fallbacks"] {
            settings.fallbacks = reader.sequence(fallbacks, at: "\(path).fallbacks").enumerated().compactMap { index, item in
                reader.string(item, at: "\(path).fallbacks[\(index)]")
            }
        }
        return settings
    }

    /// Header names, lowercased: one name, a comma-separated list of names, or a YAML list.
    private static func headerNames(_ node: Node, at path: String, reader: inout ConfigReader) -> [String] {
        let items: [(node: Node, path: String)]
        if case .sequence = node {
            items = reader.sequence(node, at: path).enumerated().map { ($1, "\(path)[\($0)]") }
        } else {
            items = [(node, path)]
        }
        var names: [String] = []
        for item in items {
            guard let text = reader.string(item.node, at: item.path) else { continue }
            for name in text.split(separator: ",").map({ $0.trimmingSpaces().lowercased() }) {
                guard !name.isEmpty, name.utf8.allSatisfy(Self.isHeaderNameByte) else {
                    reader.report("'\(name)' is not a header name", at: item.path, node: item.node)
                    continue
                }
                names.append(name)
            }
        }
        return names
    }

    /// Whether `byte` may stand in a header name (RFC 9110's `tchar`).
    private static func isHeaderNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): true
        default: "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// Every fallback names another configured model.
    private static func checkFallbacks(_ models: [ModelConfig], node: Node, reader: inout ConfigReader) {
        let names = Set(models.map(\.name))
        let nodes = reader.sequence(node, at: "models")
        for (index, model) in models.enumerated() {
            for (offset, fallback) in model.routing.fallbacks.enumerated() {
                let path = "models[\(index)].routing.fallbacks[\(offset)]"
                let place = index < nodes.count ? nodes[index] : node
                if fallback == model.name {
                    reader.report("a model cannot fall back to itself", at: path, node: place)
                } else if !names.contains(fallback) {
                    reader.report("unknown model '\(fallback)'", at: path, node: place)
                }
            }
        }
    }

    /// The keys every deployment takes, whatever its provider kind.
    private static let deploymentKeys: Set<String> = [
        "provider", "model", "weight", "price", "context_window", "max_output_tokens", "metrics_url", "rate_limit", "reasoning",
    ]
    /// Keys that configs have always been able to give any deployment: kinds without a use for
    /// them (the mock; Bedrock, which signs rather than sending a key) ignore them.
    private static let keysAcceptedOnEveryKind: Set<String> = ["base_url", "api_key"]

    private static func deployment(_ node: Node, at path: String, reader: inout ConfigReader) -> DeploymentConfig? {
        let members = reader.mapping(node, at: path, allowed: Self.deploymentKeys.union(Self.keysAcceptedOnEveryKind).union(ProviderSettings.allKeys))
        guard let providerNode = members["provider"] else {
            reader.report("missing required key 'provider'", at: path, node: node)
            return nil
        }
        let kind = reader.choice(providerNode, at: "\(path).provider", as: ProviderKind.self)
        var metricsURL: String?
        if let urlNode = members["metrics_url"], let url = reader.string(urlNode, at: "\(path).metrics_url") {
            if UpstreamOrigin(baseURL: url) != nil { metricsURL = url } else {
                reader.report("not a valid http(s) URL: '\(url)'", at: "\(path).metrics_url", node: urlNode)
            }
        }
        let upstreamModel = members["model"].flatMap { reader.string($0, at: "\(path).model") }
        if members["model"] == nil, let kind, kind.requiresModel {
            reader.report("missing required key 'model' (the upstream model name)", at: path, node: node)
        }
        let weight = members["weight"].flatMap { reader.number($0, at: "\(path).weight", range: 0...Double.greatestFiniteMagnitude) } ?? 1
        let price = members["price"].map { self.price($0, at: "\(path).price", reader: &reader) } ?? Price()
        let contextWindow = members["context_window"].flatMap { reader.integer($0, at: "\(path).context_window", minimum: 1) }
        let maxOutput = members["max_output_tokens"].flatMap { reader.integer($0, at: "\(path).max_output_tokens", minimum: 1) }
        let rateLimit = members["rate_limit"].map { self.deploymentRateLimit($0, at: "\(path).rate_limit", reader: &reader) }
        let reasoning = members["reasoning"].flatMap { reader.choice($0, at: "\(path).reasoning", as: ReasoningHandling.self) }
        guard let kind else { return nil }
        Self.reportSettingsOfOtherKinds(members, kind: kind, at: path, reader: &reader)
        guard let settings = ProviderSettings.read(DeploymentEntry(members: members, path: path, node: node, kind: kind), reader: &reader) else { return nil }
        return DeploymentConfig(
            settings: settings, upstreamModel: upstreamModel ?? "mock", weight: weight, price: price, contextWindow: contextWindow,
            maxOutputTokens: maxOutput, metricsURL: metricsURL, rateLimit: rateLimit, reasoning: reasoning ?? .pass
        )
    }

    /// A key that only other provider kinds read is a mistake (a setting that would be ignored),
    /// reported with the kinds it belongs to.
    private static func reportSettingsOfOtherKinds(_ members: [String: Node], kind: ProviderKind, at path: String, reader: inout ConfigReader) {
        let accepted = Self.deploymentKeys.union(Self.keysAcceptedOnEveryKind).union(ProviderSettings.keys(of: kind))
        for (key, node) in members.sorted(by: { $0.key < $1.key }) where !accepted.contains(key) {
            let owners = ProviderKind.allCases.filter { ProviderSettings.keys(of: $0).contains(key) }.map(\.rawValue)
            let kinds = owners.count == 1 ? "provider \(owners[0])" : "providers \(owners.joined(separator: ", "))"
            reader.report("'\(key)' applies only to \(kinds)", at: "\(path).\(key)", node: node)
        }
    }

    private static func price(_ node: Node, at path: String, reader: inout ConfigReader) -> Price {
        let members = reader.mapping(
            node, at: path, allowed: ["input_per_million", "output_per_million", "cached_input_per_million", "cache_write_per_million", "cache_write_1h_per_million"]
        )
        let nonNegative = 0...Double.greatestFiniteMagnitude
        func price(_ key: String) -> Double? {
            members[key].flatMap { reader.number($0, at: "\(path).\(key)", range: nonNegative) }
        }
        return Price(
            inputPerMillion: price("input_per_million") ?? 0, outputPerMillion: price("output_per_million") ?? 0,
            cachedInputPerMillion: price("cached_input_per_million"), cacheWritePerMillion: price("cache_write_per_million"),
            oneHourCacheWritePerMillion: price("cache_write_1h_per_million")
        )
    }
}
