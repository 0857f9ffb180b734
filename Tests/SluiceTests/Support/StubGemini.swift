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
/// | `tools` | a Gemini 3 model: two parallel `get_weather` calls, the first carrying a `thoughtSignature`; a text answer once the calls are answered; `MALFORMED_FUNCTION_CALL` for a prompt that says "malformed" |
/// | `blocked` | the prompt blocked for safety (`promptFeedback.blockReason`) |
/// | `rate-limited` | 429 `RESOURCE_EXHAUSTED` whose `RetryInfo` says `6.5s` (Gemini sends no `Retry-After` header) |
///
/// Every model refuses, with Gemini's 400 `INVALID_ARGUMENT` bodies, what Gemini refuses: schema
/// keywords its `Schema` does not know (`additionalProperties`, `$ref`, …), a `thinkingConfig`
/// with both a level and a budget, and (as Gemini 3 does) a function call of the current turn
/// sent back without the thought signature it came with.
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
            return Self.json(Self.rateLimitedAnswer, status: .tooManyRequests)
        }
        if method != "batchEmbedContents", let refusal = Self.refusal(of: received.json) {
            return Self.json(#"{"error":{"code":400,"message":\#(Self.quoted(refusal)),"status":"INVALID_ARGUMENT"}}"#, status: .badRequest)
        }
        let toolAnswer = Self.toolAnswer(to: received.json)
        switch method {
        case "batchEmbedContents":
            return Self.json(#"{"embeddings":[{"values":[0.013168523,-0.008711934,-0.046782676]}]}"#)
        case "generateContent":
            return Self.json(model == "tools" ? toolAnswer : model == "blocked" ? Self.blockedAnswer : Self.textAnswer)
        case "streamGenerateContent":
            let events = model == "tools" ? [toolAnswer] : model == "blocked" ? [Self.blockedAnswer] : Self.textStream
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

    /// The signature the `tools` model gives its calls, in standard base64 as Gemini writes it.
    static let thoughtSignature = "EvQBCvEBAb4+9vu/3k1X0Zz+q8Yd2Wn7"

    /// What the `tools` model answers: calls, or text once the calls of the turn are answered.
    private static func toolAnswer(to request: [String: Any]) -> String {
        let contents = request["contents"] as? [[String: Any]] ?? []
        let lastParts = contents.last?["parts"] as? [[String: Any]] ?? []
        if lastParts.contains(where: { $0["functionResponse"] != nil }) { return Self.toolResultAnswer }
        let prompt = lastParts.compactMap { $0["text"] as? String }.joined()
        return prompt.contains("malformed") ? Self.malformedCallAnswer : Self.toolCallAnswer
    }

    /// Gemini's 400 message for what it would refuse in `request`, or nil.
    private static func refusal(of request: [String: Any]) -> String? {
        let declarations = (request["tools"] as? [[String: Any]])?.flatMap { $0["functionDeclarations"] as? [[String: Any]] ?? [] } ?? []
        for (index, declaration) in declarations.enumerated() {
            if let unknown = Self.unknownSchemaKeyword(declaration["parameters"]) {
                return #"Invalid JSON payload received. Unknown name "\#(unknown)" at 'tools[0].function_declarations[\#(index)].parameters': Cannot find field."#
            }
        }
        let generation = request["generationConfig"] as? [String: Any]
        if let unknown = Self.unknownSchemaKeyword(generation?["responseSchema"]) {
            return #"Invalid JSON payload received. Unknown name "\#(unknown)" at 'generation_config.response_schema': Cannot find field."#
        }
        if let thinking = generation?["thinkingConfig"] as? [String: Any] {
            if let unknown = thinking.keys.first(where: { !["thinkingLevel", "thinkingBudget", "includeThoughts"].contains($0) }) {
                return #"Invalid JSON payload received. Unknown name "\#(unknown)" at 'generation_config.thinking_config': Cannot find field."#
            }
            if thinking["thinkingLevel"] != nil, thinking["thinkingBudget"] != nil {
                return "You can only set only one of thinking budget and thinking level."
            }
        }
        // Gemini 3 checks the current turn: the contents after the last user text.
        let contents = request["contents"] as? [[String: Any]] ?? []
        let turnStart = contents.lastIndex { content in
            content["role"] as? String == "user" && (content["parts"] as? [[String: Any]] ?? []).contains { $0["text"] != nil }
        } ?? 0
        for (position, content) in contents.enumerated().dropFirst(turnStart) where content["role"] as? String == "model" {
            let calls = (content["parts"] as? [[String: Any]] ?? []).filter { $0["functionCall"] != nil }
            guard let first = calls.first else { continue }
            guard let signature = first["thoughtSignature"] as? String else {
                let name = (first["functionCall"] as? [String: Any])?["name"] as? String ?? ""
                return "Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call `default_api:\(name)` , position \(position + 1). Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details."
            }
            guard Data(base64Encoded: signature) == Data(base64Encoded: Self.thoughtSignature) else { return "Corrupted thought signature." }
        }
        return nil
    }

    /// The first keyword of `schema` (at any depth) that Gemini's `Schema` object does not have.
    private static func unknownSchemaKeyword(_ schema: Any?) -> String? {
        guard let schema = schema as? [String: Any] else { return nil }
        let known: Set<String> = [
            "type", "format", "title", "description", "nullable", "enum", "maxItems", "minItems", "properties", "required", "minProperties",
            "maxProperties", "minLength", "maxLength", "pattern", "example", "anyOf", "propertyOrdering", "default", "items", "minimum", "maximum",
        ]
        if let unknown = schema.keys.sorted().first(where: { !known.contains($0) }) { return unknown }
        let children = ((schema["properties"] as? [String: Any])?.values.map { $0 } ?? []) + [schema["items"] as Any] + (schema["anyOf"] as? [Any] ?? [])
        return children.lazy.compactMap { Self.unknownSchemaKeyword($0) }.first
    }

    private static func quoted(_ text: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: [text]), as: UTF8.self).dropFirst().dropLast().description
    }

    private static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static let textAnswer = #"""
        {"candidates":[{"content":{"parts":[{"text":"Greeting the user.","thought":true},{"text":"Hello! How can I help?"}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":11,"candidatesTokenCount":6,"thoughtsTokenCount":4,"totalTokenCount":21},"modelVersion":"gemini-2.5-flash","responseId":"mkY2aJ3TFpuVz7IPsMqyoAo"}
        """#

    static let toolCallAnswer = #"""
        {"candidates":[{"content":{"parts":[{"functionCall":{"name":"get_weather","args":{"location":"Paris"}},"thoughtSignature":"\#(thoughtSignature)"},{"functionCall":{"name":"get_weather","args":{"location":"Rome"}}}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":30,"candidatesTokenCount":5,"totalTokenCount":35},"modelVersion":"gemini-3-flash-preview","responseId":"tool-resp"}
        """#

    static let toolResultAnswer = #"""
        {"candidates":[{"content":{"parts":[{"text":"Sunny in Paris and in Rome.","thoughtSignature":"\#(thoughtSignature)"}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":60,"candidatesTokenCount":8,"totalTokenCount":68},"modelVersion":"gemini-3-flash-preview","responseId":"tool-result-resp"}
        """#

    static let malformedCallAnswer = #"""
        {"candidates":[{"content":{"parts":[],"role":"model"},"finishReason":"MALFORMED_FUNCTION_CALL","finishMessage":"Malformed function call: print(default_api.get_weather(location=","index":0}],"usageMetadata":{"promptTokenCount":30,"totalTokenCount":30},"modelVersion":"gemini-3-flash-preview","responseId":"malformed-resp"}
        """#

    static let rateLimitedAnswer = #"""
        {"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaMetric":"generativelanguage.googleapis.com/generate_content_free_tier_requests","quotaId":"GenerateRequestsPerMinutePerProjectPerModel-FreeTier"}]},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"6.5s"}]}}
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
