import HTTPTypes
import OTel
import SluiceCore
import SluiceProviders
import Synchronization
import Tracing

/// The trace of one inference request.
///
/// With tracing on: a SERVER span named for its GenAI operation (`chat gpt-4o`) that continues
/// the client's `traceparent`, a child span per stage (`admit`, `route`, `relay`) and a CLIENT
/// span per upstream attempt, whose context the upstream call carries. The request span ends in
/// ``finish(_:)``, when the request's record closes (for a stream, after its last byte).
///
/// With tracing off it only passes the client's `traceparent` on to the upstream; without one
/// it is ``off``, which does nothing and costs nothing.
final class RequestTrace: Sendable {
    /// A request the gateway does not trace and whose client sent no `traceparent`.
    static let off = RequestTrace(mode: .off)

    private enum Mode: Sendable {
        case off
        case passthrough(UpstreamTraceHeaders)
        case tracing(tracer: any Tracer, span: any Span, operation: String)
    }

    /// Spans started by one call and ended by a later one.
    private struct OpenSpans {
        /// The stage running now; attempts started meanwhile are its children.
        var stage: (any Span)?
        /// The attempt whose stream is being relayed.
        var streamingAttempt: (any Span)?
        var relay: (any Span)?
    }

    private let mode: Mode
    private let open = Mutex(OpenSpans())

    private init(mode: Mode) {
        self.mode = mode
    }

    /// Starts the trace of a request.
    /// - Parameter tracing: the gateway's tracer; nil when tracing is off.
    static func start(
        _ summary: InferenceRequest, headers: HTTPFields, requestID: String, caller: Caller, tracing: GatewayTracing?
    ) -> RequestTrace {
        let traceparent = headers[.traceparent]
        guard let tracer = tracing?.tracer else {
            guard let traceparent else { return .off }
            return RequestTrace(mode: .passthrough(UpstreamTraceHeaders(traceparent: traceparent, tracestate: headers[.tracestate])))
        }
        var parent = ServiceContext.topLevel
        if let traceparent {
            let client = TraceHeaderCarrier(traceparent: traceparent, tracestate: headers[.tracestate])
            tracer.extract(client, into: &parent, using: TraceHeaderCarrier.Reader())
        }
        let operation = GenAINames.operation(summary.endpoint)
        let span = tracer.startSpan("\(operation) \(summary.model)", context: parent, ofKind: .server)
        span.updateAttributes { attributes in
            attributes["gen_ai.operation.name"] = operation
            attributes["gen_ai.request.model"] = summary.model
            attributes["gen_ai.request.stream"] = summary.stream
            if let maxTokens = summary.maxOutputTokens { attributes["gen_ai.request.max_tokens"] = maxTokens }
            attributes["sluice.request.id"] = requestID
            if let tenant = caller.tenantID { attributes["sluice.tenant.id"] = tenant }
            if let key = caller.keyID { attributes["sluice.key.id"] = key }
        }
        return RequestTrace(mode: .tracing(tracer: tracer, span: span, operation: operation))
    }

    /// The trace's id (32 hex digits): the gateway's, or the client's when only passed through.
    var traceID: String? {
        switch self.mode {
        case .off: nil
        case .passthrough(let headers): Self.traceID(ofTraceparent: headers.traceparent)
        case .tracing(_, let span, _): span.context.otelTraceID
        }
    }

    /// Runs one stage of the request in a span of its own.
    func stage<T>(_ name: String, _ body: () async throws -> T) async rethrows -> T {
        guard case .tracing(let tracer, let request, _) = self.mode else { return try await body() }
        let span = tracer.startSpan(name, context: request.context)
        let outer = self.open.withLock { open in
            defer { open.stage = span }
            return open.stage
        }
        defer {
            self.open.withLock { $0.stage = outer }
            span.end()
        }
        do {
            return try await body()
        } catch {
            Self.fail(span, error)
            throw error
        }
    }

    /// Runs one upstream attempt on `deployment` in a CLIENT span whose context the upstream
    /// call carries. A streamed answer's span stays open until the stream ends.
    func attempt(on deployment: Deployment, _ send: () async throws -> ProviderResponse) async throws -> ProviderResponse {
        switch self.mode {
        case .off:
            return try await send()
        case .passthrough(let headers):
            var context = ServiceContext.current ?? .topLevel
            context.upstreamTraceHeaders = headers
            return try await ServiceContext.withValue(context) { try await send() }
        case .tracing(let tracer, let request, let operation):
            let config = deployment.config
            let parent = self.open.withLock { $0.stage }?.context ?? request.context
            let span = tracer.startSpan("\(operation) \(config.upstreamModel)", context: parent, ofKind: .client)
            span.updateAttributes { attributes in
                attributes["gen_ai.operation.name"] = operation
                attributes["gen_ai.request.model"] = config.upstreamModel
                attributes["gen_ai.provider.name"] = GenAINames.provider(config.provider)
                attributes["sluice.deployment"] = deployment.label
                if let origin = config.settings.origin {
                    attributes["server.address"] = origin.host
                    attributes["server.port"] = origin.port
                }
            }
            var headers = TraceHeaderCarrier()
            tracer.inject(span.context, into: &headers, using: TraceHeaderCarrier.Writer())
            var context = span.context
            context.upstreamTraceHeaders = headers.traceparent.map { UpstreamTraceHeaders(traceparent: $0, tracestate: headers.tracestate) }
            let response: ProviderResponse
            do {
                response = try await ServiceContext.withValue(context) { try await send() }
            } catch {
                Self.fail(span, error)
                span.end()
                throw error
            }
            span.attributes["gen_ai.response.model"] = config.upstreamModel
            request.updateAttributes { attributes in
                attributes["gen_ai.provider.name"] = GenAINames.provider(config.provider)
                attributes["sluice.deployment"] = deployment.label
            }
            guard case .stream = response.body else {
                span.end()
                return response
            }
            // A stream that broke before this continuation took over ended its attempt in failure.
            let broken = self.open.withLock { open in
                defer { open.streamingAttempt = span }
                return open.streamingAttempt
            }
            if let broken {
                Self.fail(broken, type: "stream_broken", message: "another deployment continued the answer")
                broken.end()
            }
            return response
        }
    }

    /// Marks the start of relaying a streamed answer to the client.
    func relayStarted() {
        guard case .tracing(let tracer, let request, _) = self.mode else { return }
        let span = tracer.startSpan("relay", context: request.context)
        self.open.withLock { $0.relay = span }
    }

    /// Notes the first chunk of the streaming attempt's answer.
    func firstChunk() {
        guard case .tracing = self.mode else { return }
        self.open.withLock { $0.streamingAttempt }?.addEvent("gen_ai.first_token")
    }

    /// Ends every open span with what the request's record says.
    func finish(_ record: RequestRecord) {
        guard case .tracing(_, let request, _) = self.mode else { return }
        let open = self.open.withLock { open in
            defer { open = OpenSpans() }
            return open
        }
        if let attempt = open.streamingAttempt {
            if let code = record.errorCode { Self.fail(attempt, type: code, message: nil) }
            attempt.end()
        }
        open.relay?.end()
        request.updateAttributes { attributes in
            attributes["http.response.status_code"] = record.status
            attributes["sluice.attempts"] = record.attempts
            if let served = record.servedModel { attributes["gen_ai.response.model"] = served }
            if let usage = record.usage {
                attributes["gen_ai.usage.input_tokens"] = usage.promptTokens
                attributes["gen_ai.usage.output_tokens"] = usage.completionTokens
                attributes["gen_ai.usage.cache_read.input_tokens"] = usage.cachedPromptTokens
                attributes["gen_ai.usage.cache_creation.input_tokens"] = usage.cacheWritePromptTokens
            }
            if let code = record.errorCode { attributes["error.type"] = code }
        }
        // A server span fails on server errors only; a client's own error (4xx) leaves it unset.
        if record.status >= 500 { request.setStatus(SpanStatus(code: .error, message: record.errorCode)) }
        request.end()
    }

    private static func fail(_ span: any Span, _ error: any Error) {
        if let error = error as? GatewayError {
            Self.fail(span, type: error.code ?? String(error.status), message: error.message)
        } else {
            Self.fail(span, type: String(describing: type(of: error)), message: nil)
        }
    }

    private static func fail(_ span: any Span, type: String, message: String?) {
        span.attributes["error.type"] = type
        span.setStatus(SpanStatus(code: .error, message: message))
    }

    /// The trace id of a W3C `traceparent` (`00-<trace id>-<parent id>-<flags>`).
    static func traceID(ofTraceparent traceparent: String) -> String? {
        let parts = traceparent.split(separator: "-")
        guard parts.count >= 4, parts[1].utf8.count == 32 else { return nil }
        return String(parts[1])
    }
}

extension HTTPField.Name {
    static let traceparent = Self("traceparent")!
    static let tracestate = Self("tracestate")!
}
