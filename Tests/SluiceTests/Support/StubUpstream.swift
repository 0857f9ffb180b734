import Foundation
import Hummingbird
import NIOCore
import ServiceLifecycle
import Synchronization

/// An in-process OpenAI-compatible server that answers with the exact JSON and SSE shapes of
/// OpenAI's API reference, and with its bad days. The upstream model name in the request picks
/// the behaviour:
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
/// | `continue` | asked to continue a final assistant message (`continue_final_message`), streams the rest of the `cut` answer under another id |
///
/// `/metrics-extreme` publishes vLLM's gauges with values a broken exporter sends (huge, negative, NaN, infinite).
///
/// It also serves Azure OpenAI's paths, `/openai/deployments/{deployment}/…?api-version=…`, the
/// same way, and `GET /openai/models`.
final class StubUpstream: Sendable {
    /// What the stub received.
    struct Received: Sendable {
        var path: String
        var query: String
        var authorization: String?
        /// Azure OpenAI's key header.
        var apiKey: String?
        var requestID: String?
        var traceparent: String? = nil
        var body: String
    }

    private let state = Mutex<(received: [Received], probes: [Received], hangUps: [ContinuousClock.Instant])>(([], [], []))
    private let server: RunningServer

    var baseURL: String { "http://127.0.0.1:\(self.server.port)/v1" }
    var received: [Received] { self.state.withLock { $0.received } }
    /// The model list requests (health probes), kept apart from `received`.
    var probes: [Received] { self.state.withLock { $0.probes } }
    /// When the gateway closed connections of `slow-stream` requests.
    var hangUps: [ContinuousClock.Instant] { self.state.withLock { $0.hangUps } }

    static func start() async throws -> StubUpstream {
        let box = StubBox()
        let router = Router()
        for path in ["chat/completions", "completions", "embeddings"] {
            router.post("/v1/\(RouterPath(stringLiteral: path))") { request, context in
                try await box.stub!.answer(request, context: context)
            }
        }
        for path in ["chat/completions", "completions", "embeddings"] {
            router.post("/openai/deployments/:deployment/\(RouterPath(stringLiteral: path))") { request, context in
                try await box.stub!.answer(request, context: context)
            }
        }
        for path in ["/v1/models", "/openai/models"] {
            router.get(RouterPath(stringLiteral: path)) { request, _ in
                box.stub!.noteProbe(request)
                return Self.json(#"{"object":"list","data":[{"id":"ok","object":"model","created":1686935002,"owned_by":"stub"}]}"#)
            }
        }
        // vLLM's metrics as a busy and an idle server would publish them.
        for (path, waiting, usage) in [("/metrics-busy", 42, 0.97), ("/metrics-idle", 0, 0.12)] {
            router.get(RouterPath(stringLiteral: path)) { _, _ in
                Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: """
                    # HELP vllm:num_requests_waiting Number of requests waiting to be processed.
                    # TYPE vllm:num_requests_waiting gauge
                    vllm:num_requests_waiting{model_name="ok"} \(waiting).0
                    # HELP vllm:gpu_cache_usage_perc GPU KV-cache usage. 1 means 100 percent usage.
                    # TYPE vllm:gpu_cache_usage_perc gauge
                    vllm:gpu_cache_usage_perc{model_name="ok"} \(usage)
                    vllm:num_requests_running{model_name="ok"} 3.0

                    """)))
            }
        }
        router.get("/metrics-extreme") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: """
                vllm:num_requests_waiting{model_name="a"} 1e308
                vllm:num_requests_waiting{model_name="b"} 1e308
                vllm:num_requests_waiting{model_name="c"} NaN
                sglang:num_queue_reqs -9223372036854775808
                vllm:gpu_cache_usage_perc{model_name="a"} +Inf
                vllm:kv_cache_usage_perc{model_name="a"} 7.5
                sglang:token_usage NaN

                """)))
        }
        let server = try await RunningServer.start(router: router)
        let stub = StubUpstream(server: server)
        box.stub = stub
        return stub
    }

    private init(server: RunningServer) {
        self.server = server
    }

    func stop() async {
        await self.server.stop()
    }

    private func note(_ request: Request, body: String) {
        let received = Self.received(request, body: body)
        self.state.withLock { $0.received.append(received) }
    }

    private func noteProbe(_ request: Request) {
        let received = Self.received(request, body: "")
        self.state.withLock { $0.probes.append(received) }
    }

    private static func received(_ request: Request, body: String) -> Received {
        func header(_ name: String) -> String? {
            request.headers.first { $0.name.canonicalName == name }?.value
        }
        return Received(
            path: request.uri.path, query: request.uri.query ?? "", authorization: request.headers[.authorization], apiKey: header("api-key"),
            requestID: header("x-request-id"), traceparent: header("traceparent"), body: body
        )
    }

    private func answer(_ request: Request, context: BasicRequestContext) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: 1 << 20)
        let text = String(buffer: body)
        let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
        let model = json["model"] as? String ?? ""
        let stream = json["stream"] as? Bool ?? false
        let includeUsage = (json["stream_options"] as? [String: Any])?["include_usage"] as? Bool ?? false
        self.note(request, body: text)
        switch model {
        case "error-400":
            return Self.json(StubShapes.error(message: "Invalid value for 'temperature': must be at most 2.", type: "invalid_request_error", param: "temperature", code: "invalid_value"), status: .badRequest)
        case "rate-limited":
            var response = Self.json(StubShapes.error(message: "Rate limit reached for requests.", type: "requests", param: nil, code: "rate_limit_exceeded"), status: .tooManyRequests)
            response.headers[.retryAfter] = "7"
            return response
        case "numbers":
            if let retryAfter = json["stub_retry_after"] as? String {
                var response = Self.json(StubShapes.error(message: "Rate limit reached for requests.", type: "requests", param: nil, code: "rate_limit_exceeded"), status: .tooManyRequests)
                response.headers[.retryAfter] = retryAfter
                return response
            }
            let usage = json["stub_usage"] as? String ?? "null"
            guard stream else { return Self.json(StubShapes.chatCompletion(model: model, usage: usage)) }
            let events = StubShapes.chatStream(model: model, includeUsage: true).map { $0.replacingOccurrences(of: StubShapes.streamUsage, with: usage) }
            return Response(status: .ok, headers: [.contentType: "text/event-stream"], body: .init(byteBuffer: ByteBuffer(string: events.joined())))
        case "context-exceeded":
            let message = "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens."
            return Self.json(StubShapes.error(message: message, type: "invalid_request_error", param: "messages", code: "context_length_exceeded"), status: .badRequest)
        case "error-500":
            return Self.json(StubShapes.error(message: "The server had an error while processing your request.", type: "server_error", param: nil, code: nil), status: .internalServerError)
        case "slow-head":
            try await Task.sleep(for: .seconds(2))
        case "delay":
            try await Task.sleep(for: .milliseconds(200))
        case "close-after":
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: StubShapes.chatCompletion(model: model)))
                try await writer.finish(nil)
                throw StubCut()
            })
        case "connection-close":
            var response = Self.json(StubShapes.chatCompletion(model: model))
            response.headers[.connection] = "close"
            return response
        case "invalid-json":
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "<html>Bad Gateway</html>")))
        case "metered", "unmetered":
            let completions = request.uri.path.hasSuffix("/completions") && !request.uri.path.hasSuffix("/chat/completions")
            let answer = StubMeteredAnswer(request: json, rawBody: text, completions: completions, honoursLimits: model == "metered")
            guard stream else { return Self.json(answer.completeJSON) }
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
        default:
            break
        }
        if request.uri.path.hasSuffix("embeddings") {
            return Self.json(StubShapes.embeddings(model: model))
        }
        let completions = request.uri.path.hasSuffix("/completions") && !request.uri.path.hasSuffix("/chat/completions")
        guard stream else {
            if model == "think" { return Self.json(StubShapes.thinkingCompletion(model: model)) }
            return Self.json(completions ? StubShapes.textCompletion(model: model) : StubShapes.chatCompletion(model: model))
        }
        var answer = model == "think" ? StubShapes.thinkingStream(model: model) : StubShapes.chatStream(model: model, includeUsage: includeUsage)
        if model == "continue", json["continue_final_message"] as? Bool == true {
            answer = answer.enumerated().filter { $0.offset != 1 }.map { $0.element.replacingOccurrences(of: "chatcmpl-123", with: "chatcmpl-456") }
        }
        let events = answer
        let requestBody = request.body
        return Response(status: .ok, headers: [.contentType: "text/event-stream"], body: ResponseBody { writer in
            switch model {
            case "stall":
                try await writer.write(ByteBuffer(string: events[0] + events[1]))
                try await Task.sleep(for: .seconds(3600))
            case "cut":
                try await writer.write(ByteBuffer(string: events[0] + events[1]))
                throw StubCut()
            case "early-end":
                try await writer.write(ByteBuffer(string: events[0] + events[1]))
            case "garbage":
                try await writer.write(ByteBuffer(string: events[0] + "data: {\"choices\": [oops\n\n"))
                try await Task.sleep(for: .seconds(3600))
            case "loop":
                let repeated = events[0] + String(repeating: events[2], count: 80) + events[4] + events[events.count - 1]
                try await writer.write(ByteBuffer(string: repeated))
            case "slow-stream":
                do {
                    try await requestBody.consumeWithCancellationOnInboundClose { _ in
                        for _ in 0..<1200 {
                            try await writer.write(ByteBuffer(string: events[1]))
                            try await Task.sleep(for: .milliseconds(50))
                        }
                    }
                } catch {
                    self.state.withLock { $0.hangUps.append(.now) }
                    throw error
                }
            default:
                // Split events across writes at awkward places, as TCP may.
                let all = events.joined()
                var index = all.startIndex
                while index < all.endIndex {
                    let end = all.index(index, offsetBy: 37, limitedBy: all.endIndex) ?? all.endIndex
                    try await writer.write(ByteBuffer(string: String(all[index..<end])))
                    index = end
                }
            }
            try await writer.finish(nil)
        })
    }

    private static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

private struct StubCut: Error {}

private final class StubBox: @unchecked Sendable {
    // Set once before the server takes its first request.
    var stub: StubUpstream?
}
