/// Where and how the gateway exports OpenTelemetry traces (OTLP over HTTP). Without an endpoint
/// the config has none of these and the gateway traces nothing.
public struct TracingSettings: Sendable, Equatable {
    /// How spans are encoded on the wire.
    public enum WireProtocol: String, Sendable, CaseIterable {
        case protobuf = "http/protobuf"
        case json = "http/json"
    }

    /// The collector's traces URL, used as given, such as `http://127.0.0.1:4318/v1/traces`.
    public var endpoint: String
    public var wireProtocol: WireProtocol = .protobuf
    /// The `service.name` resource attribute.
    public var serviceName = "sluice"
    /// The share of new traces kept (a client's sampled trace is always kept, an unsampled one never).
    public var sampleRatio = 1.0
    /// Headers sent with every export, such as a collector's `authorization`.
    public var headers: [String: Secret] = [:]
    /// How long finished spans wait before they are sent in a batch.
    public var exportInterval: Duration = .seconds(1)

    public init(endpoint: String) {
        self.endpoint = endpoint
    }
}
