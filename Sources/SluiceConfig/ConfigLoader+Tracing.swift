import Yams

extension ConfigLoader {
    /// `tracing`: nil, and tracing off, when it names no `otlp_endpoint`.
    static func tracing(_ node: Node, reader: inout ConfigReader) -> TracingSettings? {
        let members = reader.mapping(
            node, at: "tracing", allowed: ["otlp_endpoint", "protocol", "service_name", "sample_ratio", "headers", "export_interval"]
        )
        var endpoint = members["otlp_endpoint"].flatMap { reader.string($0, at: "tracing.otlp_endpoint") }
        if let url = endpoint, !url.hasPrefix("http://"), !url.hasPrefix("https://") {
            reader.report("expected an http:// or https:// URL", at: "tracing.otlp_endpoint", node: members["otlp_endpoint"])
            endpoint = nil
        }
        var settings = TracingSettings(endpoint: endpoint ?? "")
        if let wire = members["protocol"].flatMap({ reader.choice($0, at: "tracing.protocol", as: TracingSettings.WireProtocol.self) }) {
            settings.wireProtocol = wire
        }
        if let name = members["service_name"].flatMap({ reader.string($0, at: "tracing.service_name") }) { settings.serviceName = name }
        if let ratio = members["sample_ratio"].flatMap({ reader.number($0, at: "tracing.sample_ratio", range: 0...1) }) { settings.sampleRatio = ratio }
        if let headersNode = members["headers"], case .mapping(let headers) = headersNode {
            for (key, value) in headers {
                guard let name = key.scalar?.string, !name.isEmpty else {
                    reader.report("header names must be plain strings", at: "tracing.headers", node: key)
                    continue
                }
                if let text = reader.string(value, at: "tracing.headers.\(name)", secret: true) { settings.headers[name.lowercased()] = Secret(text) }
            }
        } else if let headersNode = members["headers"] {
            reader.report("expected a mapping", at: "tracing.headers", node: headersNode)
        }
        if let intervalNode = members["export_interval"], let interval = reader.duration(intervalNode, at: "tracing.export_interval") {
            if interval > .zero { settings.exportInterval = interval } else { reader.report("must be greater than zero", at: "tracing.export_interval", node: intervalNode) }
        }
        return endpoint == nil ? nil : settings
    }
}
