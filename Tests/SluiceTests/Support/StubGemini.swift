import Foundation
import Hummingbird
import NIOCore

/// An in-process server that answers `POST /v1beta/models/{model}:generateContent`,
/// `:streamGenerateContent?alt=sse` and `:batchEmbedContents` with the JSON and SSE shapes of the
/// Gemini API reference. The model in the path picks the behaviour (besides the
/// ``ConformanceBehaviour`` ones):
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
        /// The request as it arrived, headers and bytes.
        var request: RecordedRequest

        init(_ request: RecordedRequest) {
            self.path = request.path
            self.query = request.query
            self.apiKey = request.header("x-goog-api-key")
            self.authorization = request.header("authorization")
            self.body = request.text
            self.request = request
        }

        var json: [String: Any] { self.request.json }
    }

    let server: RecordingStubServer

    var baseURL: String { "http://127.0.0.1:\(self.server.port)/v1beta" }
    /// The generation and embedding requests.
    var received: [Received] { self.server.requests.filter { $0.method == .post }.map(Received.init) }
    /// The model list requests (health probes).
    var probes: [Received] { self.server.requests.filter { $0.method == .get && $0.path == "/v1beta/models" }.map(Received.init) }

    static func start() async throws -> StubGemini {
        StubGemini(server: try await RecordingStubServer.start(answer: Self.answer))
    }

    private init(server: RecordingStubServer) {
        self.server = server
    }

    func stop() async {
        await self.server.stop()
    }

    private static func answer(_ exchange: StubExchange) async throws -> Response {
        let request = exchange.request
        if request.method == .get, request.path == "/v1beta/models" {
            return StubReply.json(#"{"models":[{"name":"models/gemini-2.5-flash","displayName":"Gemini 2.5 Flash"}],"nextPageToken":"x"}"#)
        }
        guard request.method == .post, request.path.hasPrefix("/v1beta/models/") else {
            return StubReply.json(Self.error(404, "NOT_FOUND", "Method not found."), status: .notFound)
        }
        let target = request.path.split(separator: "/").last.map(String.init) ?? ""
        let parts = target.split(separator: ":", maxSplits: 1).map(String.init)
        let (model, method) = (parts.first ?? "", parts.count > 1 ? parts[1] : "")
        let json = request.json
        switch model {
        case "rate-limited":
            return StubReply.json(Self.rateLimitedAnswer, status: .tooManyRequests)
        case "error-400":
            return StubReply.json(Self.error(400, "INVALID_ARGUMENT", "Request contains an invalid argument."), status: .badRequest)
        case "error-401":
            let message = "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential."
            return StubReply.json(Self.error(401, "UNAUTHENTICATED", message), status: .unauthorized)
        case "error-500":
            let message = "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting"
            return StubReply.json(Self.error(500, "INTERNAL", message), status: .internalServerError)
        case "stall-head":
            try await exchange.stallUntilHangUp()
        default:
            break
        }
        if method != "batchEmbedContents", let refusal = Self.refusal(of: json) {
            return StubReply.json(Self.error(400, "INVALID_ARGUMENT", refusal), status: .badRequest)
        }
        let generation = json["generationConfig"] as? [String: Any]
        let thinks = (generation?["thinkingConfig"] as? [String: Any])?["includeThoughts"] as? Bool == true
        let events: [String]
        switch model {
        case "tools": events = [Self.toolAnswer(to: json)]
        case "blocked": events = [Self.blockedAnswer]
        case "metered":
            let answer = MeteredAnswer(request: json, rawBody: request.text)
            events = method == "streamGenerateContent" ? answer.events : [answer.whole]
        case "reasoning":
            events = method == "streamGenerateContent" ? Self.reasoningStream(thinks: thinks) : [Self.reasoningAnswer(thinks: thinks)]
        default: events = method == "streamGenerateContent" ? Self.textStream : [Self.textAnswer]
        }
        switch method {
        case "batchEmbedContents":
            return StubReply.json(#"{"embeddings":[{"values":[0.013168523,-0.008711934,-0.046782676]}]}"#)
        case "generateContent":
            return StubReply.json(events[0])
        case "streamGenerateContent":
            let sse = events.map { "data: \($0)\r\n\r\n" }
            switch model {
            case "cut": return StubReply.stream(sse[0], ending: .cut, exchange: exchange)
            case "stall": return StubReply.stream(sse[0], ending: .stall, exchange: exchange)
            // Split events across writes at awkward places, as TCP may.
            default: return StubReply.stream(sse.joined(), pieceSize: 29, exchange: exchange)
            }
        default:
            return StubReply.json(Self.error(404, "NOT_FOUND", "Method not found."), status: .notFound)
        }
    }

    /// Gemini's error body.
    static func error(_ code: Int, _ status: String, _ message: String) -> String {
        #"{"error":{"code":\#(code),"message":\#(StubShapes.quoted(message)),"status":"\#(status)"}}"#
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

// MARK: - Reasoning and metered answers

extension StubGemini {
    /// The answer of `reasoning`, with its thought part when the request asked for thoughts.
    static func reasoningAnswer(thinks: Bool) -> String {
        let thought = thinks ? #"{"text":"\#(ConformanceBehaviour.reasoningText)","thought":true},"# : ""
        return #"{"candidates":[{"content":{"parts":[\#(thought){"text":"\#(ConformanceBehaviour.reasoningAnswer)"}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":9,"candidatesTokenCount":2,"thoughtsTokenCount":\#(thinks ? 6 : 0),"totalTokenCount":\#(thinks ? 17 : 11)},"modelVersion":"gemini-2.5-flash","responseId":"reasoning-resp"}"#
    }

    static func reasoningStream(thinks: Bool) -> [String] {
        let thought = #"{"candidates":[{"content":{"parts":[{"text":"\#(ConformanceBehaviour.reasoningText)","thought":true}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":9,"totalTokenCount":9},"modelVersion":"gemini-2.5-flash","responseId":"reasoning-stream"}"#
        let answer = #"{"candidates":[{"content":{"parts":[{"text":"\#(ConformanceBehaviour.reasoningAnswer)"}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":9,"candidatesTokenCount":2,"thoughtsTokenCount":\#(thinks ? 6 : 0),"totalTokenCount":\#(thinks ? 17 : 11)},"modelVersion":"gemini-2.5-flash","responseId":"reasoning-stream"}"#
        return thinks ? [thought, answer] : [answer]
    }

    /// An answer of `maxOutputTokens` tokens (one "tok " each), counting the prompt as every stub does.
    private struct MeteredAnswer {
        let promptTokens: Int
        let outputTokens: Int

        init(request json: [String: Any], rawBody: String) {
            self.promptTokens = StubMeteredAnswer.promptTokens(of: json["contents"], rawBody: rawBody)
            self.outputTokens = StubMeteredAnswer.outputTokens(limit: (json["generationConfig"] as? [String: Any])?["maxOutputTokens"] as? Int)
        }

        private var finishReason: String { self.outputTokens < StubMeteredAnswer.naturalLength ? "MAX_TOKENS" : "STOP" }

        private func response(_ text: String, finished: Bool) -> String {
            let finish = finished ? #","finishReason":"\#(self.finishReason)""# : ""
            let output = finished ? #","candidatesTokenCount":\#(self.outputTokens),"totalTokenCount":\#(self.promptTokens + self.outputTokens)"# : #","totalTokenCount":\#(self.promptTokens)"#
            return #"{"candidates":[{"content":{"parts":[{"text":"\#(text)"}],"role":"model"}\#(finish),"index":0}],"usageMetadata":{"promptTokenCount":\#(self.promptTokens)\#(output)},"modelVersion":"gemini-2.5-flash","responseId":"metered-resp"}"#
        }

        var whole: String { self.response(String(repeating: "tok ", count: self.outputTokens), finished: true) }

        /// One event per token, the last with the finish reason and the output count.
        var events: [String] {
            Array(repeating: self.response("tok ", finished: false), count: self.outputTokens - 1) + [self.response("tok ", finished: true)]
        }
    }
}
