import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// An in-process server that answers `POST /v1beta/models/{model}:generateContent`,
/// `:streamGenerateContent?alt=sse` and `:batchEmbedContents` with the JSON and SSE shapes of the
/// Gemini API reference. The model in the path picks the behaviour:
///
/// | model | behaviour |
/// |---|---|
/// | `ok` | a text answer with a thought part (whole, or streamed in three events split across writes) |
/// | `tools` | a `get_weather` function call |
/// | `blocked` | the prompt blocked for safety (`promptFeedback.blockReason`) |
/// | `rate-limited` | 429 `RESOURCE_EXHAUSTED` with `retry-after: 7` |
final class StubGemini: Sendable {
    /// What the stub received.
    struct Received: Sendable {
        var path: String
        var query: String
        var apiKey: String?
        var authorization: String?
        var body: String

        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(self.body.utf8))) as? [String: Any] ?? [:]
        }
    }

    private let state = Mutex<(received: [Received], probes: [Received])>(([], []))
    private let server: RunningServer

    var baseURL: String { "http://127.0.0.1:\(self.server.port)/v1beta" }
    /// The generation and embedding requests.
    var received: [Received] { self.state.withLock { $0.received } }
    /// The model list requests (health probes).
    var probes: [Received] { self.state.withLock { $0.probes } }

    static func start() async throws -> StubGemini {
        let box = StubGeminiBox()
        let router = Router()
        router.post("/v1beta/models/*") { request, _ in
            try await box.stub!.answer(request)
        }
        router.get("/v1beta/models") { request, _ in
            box.stub!.state.withLock { $0.probes.append(Self.received(request, body: "")) }
            return Self.json(#"{"models":[{"name":"models/gemini-2.5-flash","displayName":"Gemini 2.5 Flash"}],"nextPageToken":"x"}"#)
        }
        let server = try await RunningServer.start(router: router)
        let stub = StubGemini(server: server)
        box.stub = stub
        return stub
    }

    private init(server: RunningServer) {
        self.server = server
    }

    func stop() async {
        await self.server.stop()
    }

    private static func received(_ request: Request, body: String) -> Received {
        func header(_ name: String) -> String? {
            request.headers.first { $0.name.canonicalName == name }?.value
        }
        return Received(
            path: request.uri.path, query: request.uri.query ?? "", apiKey: header("x-goog-api-key"), authorization: header("authorization"), body: body
        )
    }

    private func answer(_ request: Request) async throws -> Response {
        var request = request
        let text = String(buffer: try await request.collectBody(upTo: 1 << 20))
        let received = Self.received(request, body: text)
        self.state.withLock { $0.received.append(received) }
        let target = received.path.split(separator: "/").last.map(String.init) ?? ""
        let parts = target.split(separator: ":", maxSplits: 1).map(String.init)
        let (model, method) = (parts.first ?? "", parts.count > 1 ? parts[1] : "")
        if model == "rate-limited" {
            var response = Self.json(
                #"{"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED"}}"#, status: .tooManyRequests)
            response.headers[.retryAfter] = "7"
            return response
        }
        switch method {
        case "batchEmbedContents":
            return Self.json(#"{"embeddings":[{"values":[0.013168523,-0.008711934,-0.046782676]}]}"#)
        case "generateContent":
            return Self.json(model == "tools" ? Self.toolAnswer : model == "blocked" ? Self.blockedAnswer : Self.textAnswer)
        case "streamGenerateContent":
            let events = model == "tools" ? [Self.toolAnswer] : model == "blocked" ? [Self.blockedAnswer] : Self.textStream
            let all = events.map { "data: \($0)\r\n\r\n" }.joined()
            return Response(status: .ok, headers: [.contentType: "text/event-stream"], body: ResponseBody { writer in
                // Split events across writes at awkward places, as TCP may.
                var index = all.startIndex
                while index < all.endIndex {
                    let end = all.index(index, offsetBy: 29, limitedBy: all.endIndex) ?? all.endIndex
                    try await writer.write(ByteBuffer(string: String(all[index..<end])))
                    index = end
                }
                try await writer.finish(nil)
            })
        default:
            return Self.json(#"{"error":{"code":404,"message":"Method not found.","status":"NOT_FOUND"}}"#, status: .notFound)
        }
    }

    private static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static let textAnswer = #"""
        {"candidates":[{"content":{"parts":[{"text":"Greeting the user.","thought":true},{"text":"Hello! How can I help?"}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":11,"candidatesTokenCount":6,"thoughtsTokenCount":4,"totalTokenCount":21},"modelVersion":"gemini-2.5-flash","responseId":"mkY2aJ3TFpuVz7IPsMqyoAo"}
        """#

    static let toolAnswer = #"""
        {"candidates":[{"content":{"parts":[{"functionCall":{"name":"get_weather","args":{"location":"Paris"}}}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":30,"candidatesTokenCount":5,"totalTokenCount":35},"modelVersion":"gemini-2.5-flash","responseId":"tool-resp"}
        """#

    static let blockedAnswer = #"""
        {"promptFeedback":{"blockReason":"SAFETY","safetyRatings":[{"category":"HARM_CATEGORY_DANGEROUS_CONTENT","probability":"HIGH"}]},"usageMetadata":{"promptTokenCount":7,"totalTokenCount":7},"modelVersion":"gemini-2.5-flash","responseId":"blocked-resp"}
        """#

    static let textStream = [
        #"{"candidates":[{"content":{"parts":[{"text":"Hello"}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":11,"totalTokenCount":11},"modelVersion":"gemini-2.5-flash","responseId":"stream-resp"}"#,
        #"{"candidates":[{"content":{"parts":[{"text":" there"}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":11,"totalTokenCount":11},"modelVersion":"gemini-2.5-flash","responseId":"stream-resp"}"#,
        #"{"candidates":[{"content":{"parts":[{"text":"!"}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":11,"candidatesTokenCount":3,"totalTokenCount":14},"modelVersion":"gemini-2.5-flash","responseId":"stream-resp"}"#,
    ]
}

private final class StubGeminiBox: @unchecked Sendable {
    // Set once before the server takes its first request.
    var stub: StubGemini?
}
