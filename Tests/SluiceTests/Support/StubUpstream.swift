import Foundation
import Hummingbird
import NIOCore

/// An in-process OpenAI-compatible server that answers with the exact JSON and SSE shapes of
/// OpenAI's API reference, and with its bad days. The upstream model name in the request picks
/// the behaviour (besides the ``ConformanceBehaviour`` ones):
///
/// | model | behaviour |
/// |---|---|
/// | `ok` | a normal answer (whole or streamed, events split across writes) |
/// | `error-400` | 400 with OpenAI's error body |
/// | `rate-limited` | 429 with `Retry-After: 7` |
/// | `error-500` | 500 |
/// | `slow-head` | answers after 2 s |
/// | `stall` | streams two chunks, then goes silent |
/// | `cut` | streams two chunks, then drops the connection mid-body |
/// | `early-end` | streams two chunks, then ends the body cleanly without `[DONE]` |
/// | `garbage` | streams an event whose data is not JSON |
/// | `invalid-json` | answers 200 with an HTML page |
/// | `slow-stream` | one chunk every 50 ms for a minute; notes when the gateway hangs up |
/// | `delay` | a normal answer after 200 ms |
/// | `close-after` | a normal answer, then the connection drops without warning |
/// | `connection-close` | a normal answer with `Connection: close` |
/// | `loop` | streams the same words over and over, then finishes normally |
/// | `context-exceeded` | 400 `context_length_exceeded`, as OpenAI answers a prompt too long for the model |
/// | `think` | reasoning inside the content as `<think>…</think>` (Qwen/DeepSeek-R1 style), the tags split across chunks |
/// | `metered` | an answer whose length and usage follow `n` and `max_tokens` (6,000 tokens per choice without a limit) |
/// | `unmetered` | the same, but every choice runs to 6,000 tokens whatever `max_tokens` says |
/// | `numbers` | a normal answer whose `usage` is the request's `stub_usage` (JSON text, sent verbatim: `1e400`, `-5`); with `stub_retry_after`, a 429 with that `Retry-After` |
/// | `json-schema` | not streamed, with `response_format` of type `json_schema`, the JSON `{"city":"Paris","temperature_c":21}`; else 400 |
/// | `continue` | asked to continue a final assistant message (`continue_final_message`), streams the rest of the `cut` answer under another id |
///
/// `/metrics-extreme` publishes vLLM's gauges with values a broken exporter sends (huge, negative, NaN, infinite).
///
/// It also serves Azure OpenAI's paths, `/openai/deployments/{deployment}/…?api-version=…`, the
/// same way (its 401 and 429 in Azure's own error shape), and `GET /openai/models`.
final class StubUpstream: Sendable {
    /// What the stub received.
    struct Received: Sendable {
        var path: String
        var query: String
        var authorization: String?
        /// Azure OpenAI's key header.
        var apiKey: String?
        var requestID: String?
        var traceparent: String?
        var body: String
        /// The request as it arrived, headers and bytes.
        var request: RecordedRequest

        init(_ request: RecordedRequest) {
            self.path = request.path
            self.query = request.query
            self.authorization = request.header("authorization")
            self.apiKey = request.header("api-key")
            self.requestID = request.header("x-request-id")
            self.traceparent = request.header("traceparent")
            self.body = request.text
            self.request = request
        }
    }

    let server: RecordingStubServer

    var baseURL: String { "http://127.0.0.1:\(self.server.port)/v1" }
    /// The inference requests (every POST).
    var received: [Received] { self.server.requests.filter { $0.method == .post }.map(Received.init) }
    /// The model list requests (health probes), kept apart from `received`.
    var probes: [Received] { self.server.requests.filter { Self.modelListPaths.contains($0.path) }.map(Received.init) }
    /// When the gateway closed connections whose answer was still under way (`slow-stream`, `stall`, `stall-head`).
    var hangUps: [ContinuousClock.Instant] { self.server.hangUps }

    private static let modelListPaths: Set<String> = ["/v1/models", "/openai/models"]

    static func start() async throws -> StubUpstream {
        StubUpstream(server: try await RecordingStubServer.start(answer: Self.answer))
    }

    private init(server: RecordingStubServer) {
        self.server = server
    }

    func stop() async {
        await self.server.stop()
    }

    private static func answer(_ exchange: StubExchange) async throws -> Response {
        let request = exchange.request
        if request.method == .get {
            if Self.modelListPaths.contains(request.path) {
                return StubReply.json(#"{"object":"list","data":[{"id":"ok","object":"model","created":1686935002,"owned_by":"stub"}]}"#)
            }
            if let metrics = Self.metrics[request.path] {
                return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: metrics)))
            }
        }
        let segments = request.path.split(separator: "/")
        let isAzure = segments.count >= 4 && segments[0] == "openai" && segments[1] == "deployments"
        let endpoint = segments.dropFirst(isAzure ? 3 : 1).joined(separator: "/")
        guard request.method == .post, segments.first == "v1" || isAzure, ["chat/completions", "completions", "embeddings"].contains(endpoint) else {
            return StubReply.json(StubShapes.error(message: "Unknown request URL: \(request.method) \(request.path).", type: "invalid_request_error", param: nil, code: "unknown_url"), status: .notFound)
        }
        return try await self.inference(exchange, endpoint: endpoint, azure: isAzure)
    }

    /// vLLM's metrics as a busy and an idle server would publish them, and as a broken exporter does.
    private static let metrics = [
        "/metrics-busy": StubUpstream.vllmMetrics(waiting: 42, usage: 0.97),
        "/metrics-idle": StubUpstream.vllmMetrics(waiting: 0, usage: 0.12),
        "/metrics-extreme": """
            vllm:num_requests_waiting{model_name="a"} 1e308
            vllm:num_requests_waiting{model_name="b"} 1e308
            vllm:num_requests_waiting{model_name="c"} NaN
            sglang:num_queue_reqs -9223372036854775808
            vllm:gpu_cache_usage_perc{model_name="a"} +Inf
            vllm:kv_cache_usage_perc{model_name="a"} 7.5
            sglang:token_usage NaN

            """,
    ]

    private static func vllmMetrics(waiting: Int, usage: Double) -> String {
        """
        # HELP vllm:num_requests_waiting Number of requests waiting to be processed.
        # TYPE vllm:num_requests_waiting gauge
        vllm:num_requests_waiting{model_name="ok"} \(waiting).0
        # HELP vllm:gpu_cache_usage_perc GPU KV-cache usage. 1 means 100 percent usage.
        # TYPE vllm:gpu_cache_usage_perc gauge
        vllm:gpu_cache_usage_perc{model_name="ok"} \(usage)
        vllm:num_requests_running{model_name="ok"} 3.0

        """
    }

    private static func inference(_ exchange: StubExchange, endpoint: String, azure: Bool) async throws -> Response {
        let json = exchange.request.json
        let text = exchange.request.text
        let model = json["model"] as? String ?? ""
        let stream = json["stream"] as? Bool ?? false
        let includeUsage = (json["stream_options"] as? [String: Any])?["include_usage"] as? Bool ?? false
        let completions = endpoint == "completions"
        switch model {
        case "error-400":
            return StubReply.json(StubShapes.error(message: "Invalid value for 'temperature': must be at most 2.", type: "invalid_request_error", param: "temperature", code: "invalid_value"), status: .badRequest)
        case "error-401":
            return StubReply.json(azure ? StubShapes.azureError(code: "401", message: StubShapes.azureUnauthorized) : StubShapes.unauthorized(key: exchange.request.header("authorization")), status: .unauthorized)
        case "rate-limited":
            let body = azure
                ? StubShapes.azureError(code: "429", message: StubShapes.azureRateLimited)
                : StubShapes.error(message: "Rate limit reached for requests.", type: "requests", param: nil, code: "rate_limit_exceeded")
            return StubReply.json(body, status: .tooManyRequests, headers: [.retryAfter: "7"])
        case "numbers":
            if let retryAfter = json["stub_retry_after"] as? String {
                let body = StubShapes.error(message: "Rate limit reached for requests.", type: "requests", param: nil, code: "rate_limit_exceeded")
                return StubReply.json(body, status: .tooManyRequests, headers: [.retryAfter: retryAfter])
            }
            let usage = json["stub_usage"] as? String ?? "null"
            guard stream else { return StubReply.json(StubShapes.chatCompletion(model: model, usage: usage)) }
            let events = StubShapes.chatStream(model: model, includeUsage: true).map { $0.replacingOccurrences(of: StubShapes.streamUsage, with: usage) }
            return StubReply.stream(events.joined(), exchange: exchange)
        case "context-exceeded":
            let message = "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens."
            return StubReply.json(StubShapes.error(message: message, type: "invalid_request_error", param: "messages", code: "context_length_exceeded"), status: .badRequest)
        case "error-500":
            return StubReply.json(StubShapes.error(message: "The server had an error while processing your request.", type: "server_error", param: nil, code: nil), status: .internalServerError)
        case "stall-head":
            try await exchange.stallUntilHangUp()
        case "slow-head":
            try await Task.sleep(for: .seconds(2))
        case "delay":
            try await Task.sleep(for: .milliseconds(200))
        case "close-after":
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: StubShapes.chatCompletion(model: model)))
                try await writer.finish(nil)
                throw StubConnectionCut()
            })
        case "connection-close":
            var response = StubReply.json(StubShapes.chatCompletion(model: model))
            response.headers[.connection] = "close"
            return response
        case "invalid-json":
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "<html>Bad Gateway</html>")))
        case "metered", "unmetered":
            let answer = StubMeteredAnswer(request: json, rawBody: text, completions: completions, honoursLimits: model == "metered")
            guard stream else { return StubReply.json(answer.completeJSON) }
            return Response(status: .ok, headers: [.contentType: "text/event-stream"], body: ResponseBody { writer in
                var batch = ""
                for event in answer.events {
                    batch += event
                    if batch.utf8.count > 4096 {
                        try await writer.write(ByteBuffer(string: batch))
                        batch = ""
                    }
                }
                try await writer.write(ByteBuffer(string: batch))
                try await writer.finish(nil)
            })
        case "json-schema":
            // Structured output only when the request asks for it by schema, as a model held to one answers.
            guard let format = json["response_format"] as? [String: Any], format["type"] as? String == "json_schema",
                (format["json_schema"] as? [String: Any])?["schema"] != nil
            else {
                return StubReply.json(StubShapes.error(message: "This model answers only with response_format json_schema.", type: "invalid_request_error", param: "response_format", code: nil), status: .badRequest)
            }
            let answer = StubShapes.chatCompletion(model: model)
                .replacingOccurrences(of: #""Hello! How can I assist you today?""#, with: StubShapes.quoted(#"{"city":"Paris","temperature_c":21}"#))
            return StubReply.json(answer)
        case "tools" where json["tools"] != nil:
            return try Self.toolAnswer(to: json, model: model, stream: stream, exchange: exchange)
        case "reasoning":
            let thinks = json["reasoning_effort"] != nil
            guard stream else { return StubReply.json(StubShapes.reasoningCompletion(model: model, thinks: thinks)) }
            return StubReply.stream(StubShapes.reasoningStream(model: model, thinks: thinks).joined(), pieceSize: 37, exchange: exchange)
        default:
            break
        }
        if endpoint == "embeddings" {
            return StubReply.json(StubShapes.embeddings(model: model))
        }
        guard stream else {
            if model == "think" { return StubReply.json(StubShapes.thinkingCompletion(model: model)) }
            return StubReply.json(completions ? StubShapes.textCompletion(model: model) : StubShapes.chatCompletion(model: model))
        }
        var events = model == "think" ? StubShapes.thinkingStream(model: model) : StubShapes.chatStream(model: model, includeUsage: includeUsage)
        if model == "continue", json["continue_final_message"] as? Bool == true {
            events = events.enumerated().filter { $0.offset != 1 }.map { $0.element.replacingOccurrences(of: "chatcmpl-123", with: "chatcmpl-456") }
        }
        switch model {
        case "stall": return StubReply.stream(events[0] + events[1], ending: .stall, exchange: exchange)
        case "cut": return StubReply.stream(events[0] + events[1], ending: .cut, exchange: exchange)
        case "early-end": return StubReply.stream(events[0] + events[1], exchange: exchange)
        case "garbage": return StubReply.stream(events[0] + "data: {\"choices\": [oops\n\n", ending: .stall, exchange: exchange)
        case "loop":
            return StubReply.stream(events[0] + String(repeating: events[2], count: 80) + events[4] + events[events.count - 1], exchange: exchange)
        case "slow-stream":
            let chunk = ByteBuffer(string: events[1])
            return Response(status: .ok, headers: [.contentType: "text/event-stream"], body: ResponseBody { writer in
                try await exchange.untilHangUp {
                    for _ in 0..<1200 {
                        try await writer.write(chunk)
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                try await writer.finish(nil)
            })
        default:
            // Split events across writes at awkward places, as TCP may.
            return StubReply.stream(events.joined(), pieceSize: 37, exchange: exchange)
        }
    }

    /// A `get_weather` call, or, once the request carries the call's result, an answer quoting it.
    private static func toolAnswer(to json: [String: Any], model: String, stream: Bool, exchange: StubExchange) throws -> Response {
        let messages = json["messages"] as? [[String: Any]] ?? []
        let results = messages.reversed().prefix { $0["role"] as? String == "tool" }
        guard !results.isEmpty else {
            guard stream else { return StubReply.json(StubShapes.toolCallCompletion(model: model)) }
            return StubReply.stream(StubShapes.toolCallStream(model: model).joined(), pieceSize: 37, exchange: exchange)
        }
        // OpenAI refuses a tool message that answers no call of the assistant message before it.
        let calls = messages.last { $0["role"] as? String == "assistant" }?["tool_calls"] as? [[String: Any]] ?? []
        let callIDs = Set(calls.compactMap { $0["id"] as? String })
        guard results.allSatisfy({ callIDs.contains($0["tool_call_id"] as? String ?? "") && callIDs.contains(StubShapes.toolCallID) }) else {
            let message = "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'."
            return StubReply.json(StubShapes.error(message: message, type: "invalid_request_error", param: "messages.[2].role", code: nil), status: .badRequest)
        }
        let quoted = results.reversed().map { StubShapes.text(ofContent: $0["content"]) }.joined(separator: "; ")
        let answer = StubShapes.chatCompletion(model: model)
            .replacingOccurrences(of: #""Hello! How can I assist you today?""#, with: StubShapes.quoted("The weather service says: \(quoted)"))
        guard stream else { return StubReply.json(answer) }
        return StubReply.stream(StubShapes.chatStream(model: model, includeUsage: false).joined(), exchange: exchange)
    }
}
