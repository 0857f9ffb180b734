import Foundation
import Hummingbird
import NIOCore

/// An in-process server that answers `POST /v1/messages` with the exact JSON and SSE shapes of
/// Anthropic's Messages API reference, and with its bad days. The upstream model name in the
/// request picks the behaviour (besides the ``ConformanceBehaviour`` ones):
///
/// | model | behaviour |
/// |---|---|
/// | `ok` | a text answer (whole, or streamed with a `ping` and events split across writes) |
/// | `tools` | a text block, then a `get_weather` tool call (streamed as `input_json_delta` fragments); once its `tool_result` comes back, a text answer quoting it |
/// | `overloaded` | 529 `overloaded_error`; streamed: the first words, then an `error` event |
/// | `rate-limited` | 429 `rate_limit_error` with `retry-after: 12` |
/// | `invalid` | 400 `invalid_request_error` |
/// | `cut` | streams the first words, then drops the connection mid-body |
/// | `too-long` | 400 `invalid_request_error`: the prompt exceeds the context window |
///
/// `POST /v1/messages/count_tokens` answers `{"input_tokens":14}` for every model.

final class StubAnthropic: Sendable {
    /// What the stub received.
    struct Received: Sendable {
        var path: String
        var query: String
        var apiKey: String?
        var version: String?
        var contentType: String?
        var authorization: String?
        var body: String
        /// The request as it arrived, headers and bytes.
        var request: RecordedRequest

        init(_ request: RecordedRequest) {
            self.path = request.path
            self.query = request.query
            self.apiKey = request.header("x-api-key")
            self.version = request.header("anthropic-version")
            self.contentType = request.header("content-type")
            self.authorization = request.header("authorization")
            self.body = request.text
            self.request = request
        }

        var json: [String: Any] { self.request.json }
    }

    let server: RecordingStubServer

    var baseURL: String { "http://127.0.0.1:\(self.server.port)/v1" }
    /// The messages and token counting requests.
    var received: [Received] { self.server.requests.filter { $0.method == .post }.map(Received.init) }
    /// The model list requests (health probes).
    var probes: [Received] { self.server.requests.filter { $0.method == .get && $0.path == "/v1/models" }.map(Received.init) }

    static func start() async throws -> StubAnthropic {
        StubAnthropic(server: try await RecordingStubServer.start(answer: Self.answer))
    }

    private init(server: RecordingStubServer) {
        self.server = server
    }

    func stop() async {
        await self.server.stop()
    }

    private static func answer(_ exchange: StubExchange) async throws -> Response {
        switch (exchange.request.method, exchange.request.path) {
        case (.post, "/v1/messages"):
            return try await Self.message(exchange)
        case (.post, "/v1/messages/count_tokens"):
            return StubReply.json(#"{"input_tokens":14}"#)
        case (.get, "/v1/models"):
            return StubReply.json(
                #"{"data":[{"type":"model","id":"claude-sonnet-4-5-20250929","display_name":"Claude Sonnet 4.5","created_at":"2025-09-29T00:00:00Z"}],"has_more":false,"first_id":"claude-sonnet-4-5-20250929","last_id":"claude-sonnet-4-5-20250929"}"#
            )
        default:
            return StubReply.json(Self.error(type: "not_found_error", message: "Not found"), status: .notFound)
        }
    }

    private static func message(_ exchange: StubExchange) async throws -> Response {
        let json = exchange.request.json
        let model = json["model"] as? String ?? ""
        let stream = json["stream"] as? Bool ?? false
        switch model {
        case "rate-limited":
            let body = Self.error(type: "rate_limit_error", message: "Number of request tokens has exceeded your per-minute rate limit.")
            return StubReply.json(body, status: .tooManyRequests, headers: [.retryAfter: "12"])
        case "invalid", "error-400":
            return StubReply.json(Self.error(type: "invalid_request_error", message: "messages.0.content: Input should be a valid list"), status: .badRequest)
        case "error-401":
            return StubReply.json(Self.error(type: "authentication_error", message: "invalid x-api-key"), status: .unauthorized)
        case "error-500":
            return StubReply.json(Self.error(type: "api_error", message: "Internal server error"), status: .internalServerError)
        case "too-long":
            return StubReply.json(Self.error(type: "invalid_request_error", message: "prompt is too long: 210000 tokens > 200000 maximum"), status: .badRequest)
        case "overloaded" where !stream:
            return StubReply.json(Self.error(type: "overloaded_error", message: "Overloaded"), status: .init(code: 529, reasonPhrase: "Overloaded"))
        case "stall-head":
            try await exchange.stallUntilHangUp()
        case "metered":
            let answer = MeteredAnswer(request: json, rawBody: exchange.request.text)
            return stream ? Self.stream(answer.events.joined(), exchange: exchange) : StubReply.json(answer.message)
        case "reasoning":
            let thinking = json["thinking"] as? [String: Any]
            let thinks = thinking?["type"] as? String == "enabled"
            let budget = thinking?["budget_tokens"] as? Int ?? 0
            guard !thinks || (budget >= 1024 && budget < json["max_tokens"] as? Int ?? 0) else {
                let message = "`max_tokens` must be greater than `thinking.budget_tokens`, and `thinking.budget_tokens` at least 1024."
                return StubReply.json(Self.error(type: "invalid_request_error", message: message), status: .badRequest)
            }
            return stream ? Self.stream(Self.thinkingStream(thinks: thinks).joined(), exchange: exchange) : StubReply.json(Self.thinkingMessage(thinks: thinks))
        case "tools":
            if let refusal = Self.toolResultRefusal(json) {
                return StubReply.json(Self.error(type: "invalid_request_error", message: refusal), status: .badRequest)
            }
            if let results = Self.toolResults(json) {
                let answer = Self.textMessage.replacingOccurrences(of: #""Hello! How can I help?""#, with: StubShapes.quoted("The weather service says: \(results)"))
                return stream ? Self.stream(Self.textStream.joined(), exchange: exchange) : StubReply.json(answer)
            }
        default:
            break
        }
        guard stream else { return StubReply.json(model == "tools" ? Self.toolMessage : Self.textMessage) }
        let events = model == "tools" ? Self.toolStream : Self.textStream
        switch model {
        case "overloaded":
            let error = "event: error\ndata: \(Self.error(type: "overloaded_error", message: "Overloaded"))\n\n"
            return Self.stream(events[0...3].joined() + error, pieceSize: .max, exchange: exchange)
        case "cut": return Self.stream(events[0...3].joined(), pieceSize: .max, ending: .cut, exchange: exchange)
        case "stall": return Self.stream(events[0...3].joined(), pieceSize: .max, ending: .stall, exchange: exchange)
        default: return Self.stream(events.joined(), exchange: exchange)
        }
    }

    /// An SSE answer, split across writes at awkward places as TCP may.
    private static func stream(
        _ events: String, pieceSize: Int = 29, ending: StubReply.Ending = .finish, exchange: StubExchange
    ) -> Response {
        StubReply.stream(events, pieceSize: pieceSize, ending: ending, headers: [.cacheControl: "no-cache"], exchange: exchange)
    }

    /// The text of the `tool_result` blocks of the last user turn, or nil when it has none.
    private static func toolResults(_ json: [String: Any]) -> String? {
        let blocks = ((json["messages"] as? [[String: Any]])?.last?["content"] as? [[String: Any]] ?? []).filter { $0["type"] as? String == "tool_result" }
        guard !blocks.isEmpty else { return nil }
        return blocks.map { StubShapes.text(ofContent: $0["content"]) }.joined(separator: "; ")
    }

    /// Anthropic's 400 for a `tool_result` whose `tool_use_id` names no `tool_use` of the turn
    /// before it, or nil.
    private static func toolResultRefusal(_ json: [String: Any]) -> String? {
        let messages = json["messages"] as? [[String: Any]] ?? []
        guard let last = messages.last, let results = last["content"] as? [[String: Any]] else { return nil }
        let uses = messages.count >= 2 ? (messages[messages.count - 2]["content"] as? [[String: Any]] ?? []).filter { $0["type"] as? String == "tool_use" } : []
        let useIDs = Set(uses.compactMap { $0["id"] as? String })
        for result in results where result["type"] as? String == "tool_result" {
            let id = result["tool_use_id"] as? String ?? ""
            guard useIDs.contains(id), Self.toolUseIDs.contains(id) else {
                return "messages.\(messages.count - 1).content: unexpected `tool_use_id` found in `tool_result` blocks: \(id). Each `tool_result` block must have a corresponding `tool_use` block in the previous message."
            }
        }
        return nil
    }

    /// The ids of the calls ``toolMessage`` and ``toolStream`` make.
    static let toolUseIDs: Set<String> = ["toolu_01A09q90qw90lq917835lq9", "toolu_01T1x1fJ34qAmk2tNTrN7Up6"]

    static func error(type: String, message: String) -> String {
        #"{"type":"error","error":{"type":"\#(type)","message":"\#(message)"},"request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"}"#
    }

    static let textMessage = #"""
        {"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"Hello! How can I help?"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":12,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":8,"service_tier":"standard"}}
        """#

    static let toolMessage = #"""
        {"id":"msg_01Aq9w938a90dw8q","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"I'll check the weather."},{"type":"tool_use","id":"toolu_01A09q90qw90lq917835lq9","name":"get_weather","input":{"location":"San Francisco, CA"}}],"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":472,"output_tokens":89}}
        """#

    private static func event(_ name: String, _ data: String) -> String {
        "event: \(name)\ndata: \(data)\n\n"
    }

    static let textStream = [
        event("message_start", #"{"type":"message_start","message":{"id":"msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5-20250929","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}"#),
        event("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#),
        event("ping", #"{"type": "ping"}"#),
        event("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}"#),
        event("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" there!"}}"#),
        event("content_block_stop", #"{"type":"content_block_stop","index":0}"#),
        event("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}"#),
        event("message_stop", #"{"type":"message_stop"}"#),
    ]

    static let toolStream = [
        event("message_start", #"{"type":"message_start","message":{"id":"msg_014p7gG3wDgGV9EUtLvnow3U","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","stop_sequence":null,"usage":{"input_tokens":472,"output_tokens":2},"content":[],"stop_reason":null}}"#),
        event("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#),
        event("ping", #"{"type": "ping"}"#),
        event("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Okay, let's check the weather"}}"#),
        event("content_block_stop", #"{"type":"content_block_stop","index":0}"#),
        event("content_block_start", #"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}"#),
        event("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}"#),
        event("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"location\":"}}"#),
        event("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" \"San Francisco, CA\""}}"#),
        event("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":", \"unit\": \"fahrenheit\"}"}}"#),
        event("content_block_stop", #"{"type":"content_block_stop","index":1}"#),
        event("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}}"#),
        event("message_stop", #"{"type":"message_stop"}"#),
    ]
}

// MARK: - Reasoning and metered answers

extension StubAnthropic {
    /// A signature as Anthropic gives a thinking block, for the client to send back.
    static let thinkingSignature = "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"

    /// The answer of `reasoning`, with its thinking block when the request enabled thinking.
    static func thinkingMessage(thinks: Bool) -> String {
        let thinking = thinks ? #"{"type":"thinking","thinking":"\#(ConformanceBehaviour.reasoningText)","signature":"\#(thinkingSignature)"},"# : ""
        return #"""
            {"id":"msg_01Thinking","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[\#(thinking){"type":"text","text":"\#(ConformanceBehaviour.reasoningAnswer)"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":14,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":\#(thinks ? 40 : 6)}}
            """#
    }

    static func thinkingStream(thinks: Bool) -> [String] {
        let reasoning = ConformanceBehaviour.reasoningText
        let split = reasoning.index(reasoning.startIndex, offsetBy: 8)
        let events = [
            StubAnthropic.event("message_start", #"{"type":"message_start","message":{"id":"msg_01ThinkingStream","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5-20250929","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":14,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}"#),
            StubAnthropic.event("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}"#),
            StubAnthropic.event("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"\#(reasoning[..<split])"}}"#),
            StubAnthropic.event("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"\#(reasoning[split...])"}}"#),
            StubAnthropic.event("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"\#(thinkingSignature)"}}"#),
            StubAnthropic.event("content_block_stop", #"{"type":"content_block_stop","index":0}"#),
            StubAnthropic.event("content_block_start", #"{"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}"#),
            StubAnthropic.event("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"\#(ConformanceBehaviour.reasoningAnswer)"}}"#),
            StubAnthropic.event("content_block_stop", #"{"type":"content_block_stop","index":1}"#),
            StubAnthropic.event("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":40}}"#),
            StubAnthropic.event("message_stop", #"{"type":"message_stop"}"#),
        ]
        // Without thinking, the text block is the first and only one.
        return thinks ? events : [events[0]] + events[6...].map { $0.replacingOccurrences(of: #""index":1"#, with: #""index":0"#) }
    }

    /// An answer of `max_tokens` tokens (one "tok " each), counting the prompt as every stub does.
    private struct MeteredAnswer {
        let promptTokens: Int
        let outputTokens: Int

        init(request json: [String: Any], rawBody: String) {
            self.promptTokens = StubMeteredAnswer.promptTokens(of: json["messages"], rawBody: rawBody)
            self.outputTokens = StubMeteredAnswer.outputTokens(limit: json["max_tokens"] as? Int)
        }

        private var stopReason: String { self.outputTokens < StubMeteredAnswer.naturalLength ? "max_tokens" : "end_turn" }

        var message: String {
            let text = String(repeating: "tok ", count: self.outputTokens)
            return #"{"id":"msg_metered","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"\#(text)"}],"stop_reason":"\#(self.stopReason)","stop_sequence":null,"usage":{"input_tokens":\#(self.promptTokens),"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":\#(self.outputTokens)}}"#
        }

        var events: [String] {
            [
                StubAnthropic.event("message_start", #"{"type":"message_start","message":{"id":"msg_metered","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5-20250929","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":\#(self.promptTokens),"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}"#),
                StubAnthropic.event("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#),
            ]
                + Array(repeating: StubAnthropic.event("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"tok "}}"#), count: self.outputTokens)
                + [
                    StubAnthropic.event("content_block_stop", #"{"type":"content_block_stop","index":0}"#),
                    StubAnthropic.event("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"\#(self.stopReason)","stop_sequence":null},"usage":{"output_tokens":\#(self.outputTokens)}}"#),
                    StubAnthropic.event("message_stop", #"{"type":"message_stop"}"#),
                ]
        }
    }
}
