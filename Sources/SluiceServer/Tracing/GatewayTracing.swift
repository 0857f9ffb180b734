import Logging
import OTel
import ServiceLifecycle
import SluiceConfig
import Tracing

/// The gateway's own tracer and the service that batches and exports its spans over OTLP/HTTP,
/// built from the config's `tracing` section. The tracer is not installed process-wide
/// (`InstrumentationSystem`), so gateways sharing a process each trace on their own.
///
/// The standard `OTEL_*` environment variables override the config, as swift-otel reads them.
struct GatewayTracing: Sendable {
    let tracer: any Tracer
    /// Runs in the gateway's service group; on shutdown it exports the spans still buffered.
    let exporter: any Service

    init(_ settings: TracingSettings) throws {
        var configuration = OTel.Configuration.default
        configuration.serviceName = settings.serviceName
        // Export failures only; swift-otel's warnings would also fire on every malformed client traceparent.
        configuration.diagnosticLogger = .custom(Logger(label: "sluice.tracing"))
        configuration.diagnosticLogLevel = .error
        configuration.propagators = [.traceContext]
        configuration.metrics.enabled = false
        configuration.logs.enabled = false
        configuration.traces.sampler = .parentBasedTraceIDRatio(ratio: settings.sampleRatio) ?? .parentBasedAlwaysOn
        configuration.traces.batchSpanProcessor.scheduleDelay = settings.exportInterval
        configuration.traces.otlpExporter.endpoint = settings.endpoint
        configuration.traces.otlpExporter.protocol = settings.wireProtocol == .json ? .httpJSON : .httpProtobuf
        configuration.traces.otlpExporter.headers = settings.headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value.value) }
        let backend = try OTel.makeTracingBackend(configuration: configuration)
        self.tracer = backend.factory
        self.exporter = backend.service
    }

    /// The tracing the config asks for; nil when it asks for none, or when the exporter cannot
    /// be built (logged; the gateway then serves untraced).
    static func make(_ settings: TracingSettings?, logger: Logger = Logger(label: "sluice")) -> GatewayTracing? {
        guard let settings else { return nil }
        do {
            return try GatewayTracing(settings)
        } catch {
            logger.error("tracing is off: the span exporter could not be built", metadata: ["error": "\(error)"])
            return nil
        }
    }
}
