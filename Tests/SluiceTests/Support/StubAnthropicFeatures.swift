import Foundation
import Hummingbird
import Synchronization

/// An Anthropic Messages server whose answers follow the request, for natively forwarded
/// traffic: the prompt cache (``AnthropicPromptCache``: writes the first time a `cache_control`
/// prefix is seen, reads after, split by `ttl`), extended thinking (a `thinking` block with its
/// signature, refused as Anthropic refuses a budget under 1024 or not under `max_tokens`), a
/// web search server tool (its `server_tool_use` and `web_search_tool_result` blocks and
/// request count), citations of a `document` whose citations are enabled, and an answer of up
/// to ``naturalWords`` words cut at `max_tokens` (the output tokens: one a word, thinking
/// included, and one a fragment of the search query). Input tokens are a quarter of the prompt's
/// bytes. It keeps every reply it sent, byte for byte. The upstream model name picks the
/// behaviour:
///
/// | model | behaviour |
/// |---|---|
/// | `claude-cached` | the answer above, whole or streamed (one `text_delta` per word) |
/// | `claude-failing` | 500 `api_error` |
/// | `claude-overloaded` | streamed: the answer's first events, then an `overloaded_error` event; whole: 529 |
///
/// Like Anthropic, it refuses a request without `anthropic-version`.
final class StubAnthropicFeatures: Sendable {
    /// A reply as it left the stub.
    struct Sent: Sendable {
        var stream: Bool
        var body: String
    }

    /// How long an answer runs when `max_tokens` does not stop it earlier.
    static let naturalWords = 12
    static let thinkingText = "The reader asks what Sluice is; the document says it."
    static let signature = "ErUBCkYIBxgCIkB0c2lnbmF0dXJlLWZvci10aGlua2luZw=="
    /// The dated name the stub answers with, as Anthropic names a model by its snapshot.
    static func servedModel(_ model: String) -> String { "\(model)-20250929" }

    let server: RecordingStubServer
    private let log: SentLog

    var baseURL: String { "http://127.0.0.1:\(self.server.port)/v1" }
    /// The `POST /v1/messages` requests, in order.
    var received: [RecordedRequest] { self.server.requests.filter { $0.method == .post && $0.path == "/v1/messages" } }
    /// Every reply to a messages request, in order.
    var sent: [Sent] { self.log.replies.withLock { $0 } }

    /// The replies sent, shared with the server's answerer.
    private final class SentLog: Sendable {
        let replies = Mutex<[Sent]>([])
    }

    static func start() async throws -> StubAnthropicFeatures {
        let cache = AnthropicPromptCache()
        let log = SentLog()
        let server = try await RecordingStubServer.start { exchange in
            let request = exchange.request
            switch (request.method, request.path) {
            case (.post, "/v1/messages"):
                let reply = Self.reply(to: request, cache: cache)
                if let body = reply.sent { log.replies.withLock { $0.append(body) } }
                return reply.response(exchange)
            case (.get, "/v1/models"):
                return StubReply.json(#"{"data":[],"has_more":false,"first_id":null,"last_id":null}"#)
            default:
                return StubReply.json(StubAnthropic.error(type: "not_found_error", message: "Not found"), status: .notFound)
            }
        }
        return StubAnthropicFeatures(server: server, log: log)
    }

    private init(server: RecordingStubServer, log: SentLog) {
        self.server = server
        self.log = log
    }

    func stop() async {
        await self.server.stop()
    }

    /// What the stub answers, and what it keeps of it.
    private struct Reply {
        var sent: Sent?
        var response: (StubExchange) -> Response

        static func error(_ status: HTTPResponse.Status, type: String, message: String) -> Reply {
            Reply(sent: nil) { _ in StubReply.json(StubAnthropic.error(type: type, message: message), status: status) }
        }
    }

    private static func reply(to request: RecordedRequest, cache: AnthropicPromptCache) -> Reply {
        guard request.header("anthropic-version") != nil else {
            return .error(.badRequest, type: "invalid_request_error", message: "anthropic-version: header is required")
        }
        let json = request.json
        let model = json["model"] as? String ?? ""
        let stream = json["stream"] as? Bool ?? false
        switch model {
        case "claude-failing":
            return .error(.internalServerError, type: "api_error", message: "Internal server error")
        case "claude-overloaded" where !stream:
            return .error(.init(code: 529, reasonPhrase: "Overloaded"), type: "overloaded_error", message: "Overloaded")
        default:
            break
        }
        guard let maxTokens = json["max_tokens"] as? Int, maxTokens >= 1 else {
            return .error(.badRequest, type: "invalid_request_error", message: "max_tokens: Field required")
        }
        var thinks = false
        if let thinking = json["thinking"] as? [String: Any], thinking["type"] as? String == "enabled" {
            let budget = thinking["budget_tokens"] as? Int ?? 0
            guard budget >= 1024, budget < maxTokens else {
                let message = "`max_tokens` must be greater than `thinking.budget_tokens`, and `thinking.budget_tokens` at least 1024."
                return .error(.badRequest, type: "invalid_request_error", message: message)
            }
            thinks = true
        }
        let usage: AnthropicPromptCache.Usage
        do {
            usage = try cache.account(json, rawBody: request.text)
        } catch {
            return .error(.badRequest, type: "invalid_request_error", message: error.message)
        }
        let answer = FeatureAnswer(request: json, model: Self.servedModel(model), maxTokens: maxTokens, thinks: thinks, usage: usage)
        if model == "claude-overloaded" {
            let error = "event: error\ndata: \(StubAnthropic.error(type: "overloaded_error", message: "Overloaded"))\n\n"
            let body = answer.events.prefix(5).joined() + error
            return Reply(sent: Sent(stream: true, body: body)) { StubReply.stream(body, pieceSize: 23, exchange: $0) }
        }
        guard stream else {
            let body = answer.message
            return Reply(sent: Sent(stream: false, body: body)) { _ in StubReply.json(body) }
        }
        let body = answer.events.joined()
        return Reply(sent: Sent(stream: true, body: body)) { StubReply.stream(body, pieceSize: 23, headers: [.cacheControl: "no-cache"], exchange: $0) }
    }
}

/// The answer ``StubAnthropicFeatures`` gives a request, whole (pretty-printed, with spaces a
/// relay must keep) or as Anthropic's events.
private struct FeatureAnswer {
    /// One content block of the answer.
    enum Block {
        case thinking(words: [String])
        case serverToolUse(id: String, query: String)
        case webSearchResult(toolUseID: String)
        case text(words: [String], citation: String?)
    }

    let model: String
    let blocks: [Block]
    let outputTokens: Int
    let stopReason: String
    let usage: AnthropicPromptCache.Usage
    let searches: Int

    init(request json: [String: Any], model: String, maxTokens: Int, thinks: Bool, usage: AnthropicPromptCache.Usage) {
        self.model = model
        self.usage = usage
        var blocks: [Block] = []
        // Output so far: the thinking's words, and the search query's two fragments.
        var produced = 0
        if thinks {
            let words = Self.words(StubAnthropicFeatures.thinkingText)
            blocks.append(.thinking(words: words))
            produced += words.count
        }
        let tools = json["tools"] as? [[String: Any]] ?? []
        let searches = tools.contains { ($0["type"] as? String ?? "").hasPrefix("web_search") }
        if searches {
            let id = "srvtoolu_014hJH82Qum7Td6UV8gDXThB"
            blocks.append(.serverToolUse(id: id, query: "what is sluice"))
            blocks.append(.webSearchResult(toolUseID: id))
            produced += 2
        }
        self.searches = searches ? 1 : 0
        let textWords = max(0, min(maxTokens - produced, StubAnthropicFeatures.naturalWords))
        let words = (0..<textWords).map { $0 == 0 ? "Sluice" : "word\($0)" }
        blocks.append(.text(words: words, citation: Self.citedText(json)))
        self.blocks = blocks
        self.outputTokens = produced + textWords
        self.stopReason = textWords < StubAnthropicFeatures.naturalWords ? "max_tokens" : "end_turn"
    }

    private static func words(_ text: String) -> [String] {
        let parts = text.split(separator: " ").map(String.init)
        return parts.enumerated().map { $0.offset == 0 ? $0.element : " " + $0.element }
    }

    /// The start of the first document whose citations are enabled, which the answer cites.
    private static func citedText(_ json: [String: Any]) -> String? {
        let blocks = (json["messages"] as? [[String: Any]] ?? []).flatMap { $0["content"] as? [[String: Any]] ?? [] }
        let document = blocks.first { $0["type"] as? String == "document" && ($0["citations"] as? [String: Any])?["enabled"] as? Bool == true }
        guard let data = (document?["source"] as? [String: Any])?["data"] as? String else { return nil }
        return String(data.prefix(20))
    }

    private static func quoted(_ text: String) -> String { StubShapes.quoted(text) }

    private func citation(_ text: String) -> String {
        #"{"type":"char_location","cited_text":\#(Self.quoted(text)),"document_index":0,"document_title":"About Sluice","start_char_index":0,"end_char_index":\#(text.count)}"#
    }

    private var usageMembers: String {
        let counts = #""input_tokens":\#(self.usage.uncachedInput),"cache_creation_input_tokens":\#(self.usage.fiveMinuteWrite + self.usage.oneHourWrite),"cache_read_input_tokens":\#(self.usage.read)"#
        let breakdown = #""cache_creation":{"ephemeral_5m_input_tokens":\#(self.usage.fiveMinuteWrite),"ephemeral_1h_input_tokens":\#(self.usage.oneHourWrite)}"#
        let search = self.searches > 0 ? #","server_tool_use":{"web_search_requests":\#(self.searches)}"# : ""
        return counts + "," + breakdown + search
    }

    private func wholeBlock(_ block: Block) -> String {
        switch block {
        case .thinking(let words):
            return #"{"type": "thinking", "thinking": \#(Self.quoted(words.joined())), "signature": "\#(StubAnthropicFeatures.signature)"}"#
        case .serverToolUse(let id, let query):
            return #"{"type": "server_tool_use", "id": "\#(id)", "name": "web_search", "input": {"query": \#(Self.quoted(query))}}"#
        case .webSearchResult(let id):
            return #"{"type": "web_search_tool_result", "tool_use_id": "\#(id)", "content": \#(Self.searchResults)}"#
        case .text(let words, let citation):
            let citations = citation.map { #", "citations": [\#(self.citation($0))]"# } ?? ""
            return #"{"type": "text", "text": \#(Self.quoted(words.joined(separator: " ")))\#(citations)}"#
        }
    }

    private static let searchResults =
        #"[{"type":"web_search_result","url":"https://example.com\/sluice","title":"Sluice \u2014 a gateway","encrypted_content":"EqgfCioIARgBIiQ3YTAwMjY1Mi1mZjM5","page_age":"April 30, 2025"}]"#

    /// The whole message, laid out with spaces and line breaks as some servers send them.
    var message: String {
        """
        {
          "id": "msg_01FeatureAnswer",  "type": "message", "role": "assistant",
          "model": "\(self.model)",
          "content": [\(self.blocks.map(self.wholeBlock).joined(separator: ", "))],
          "stop_reason": "\(self.stopReason)", "stop_sequence": null,
          "usage": {\(self.usageMembers), "output_tokens": \(self.outputTokens), "service_tier": "standard"}
        }

        """
    }

    private static func event(_ name: String, _ data: String) -> String {
        "event: \(name)\ndata: \(data)\n\n"
    }

    /// The stream: `message_start` (input and cache counts), a `ping`, each block's events, then
    /// `message_delta` with the counts again (as newer API versions send them) and `message_stop`.
    var events: [String] {
        var events = [
            Self.event("message_start", #"{"type":"message_start","message":{"id":"msg_01FeatureAnswer","type":"message","role":"assistant","model":"\#(self.model)","content":[],"stop_reason":null,"stop_sequence":null,"usage":{\#(self.usageMembers),"output_tokens":1,"service_tier":"standard"}}}"#),
            Self.event("ping", #"{"type": "ping"}"#),
        ]
        for (index, block) in self.blocks.enumerated() {
            func delta(_ delta: String) -> String {
                Self.event("content_block_delta", #"{"type":"content_block_delta","index":\#(index),"delta":\#(delta)}"#)
            }
            let start: String
            var deltas: [String] = []
            switch block {
            case .thinking(let words):
                start = #"{"type":"thinking","thinking":"","signature":""}"#
                deltas = words.map { delta(#"{"type":"thinking_delta","thinking":\#(Self.quoted($0))}"#) }
                deltas.append(delta(#"{"type":"signature_delta","signature":"\#(StubAnthropicFeatures.signature)"}"#))
            case .serverToolUse(let id, let query):
                start = #"{"type":"server_tool_use","id":"\#(id)","name":"web_search","input":{}}"#
                let input = #"{"query":\#(Self.quoted(query))}"#
                let split = input.index(input.startIndex, offsetBy: 5)
                deltas = [String(input[..<split]), String(input[split...])].map { delta(#"{"type":"input_json_delta","partial_json":\#(Self.quoted($0))}"#) }
            case .webSearchResult(let id):
                start = #"{"type":"web_search_tool_result","tool_use_id":"\#(id)","content":\#(Self.searchResults)}"#
            case .text(let words, let citation):
                start = #"{"type":"text","text":""}"#
                if let citation { deltas.append(delta(#"{"type":"citations_delta","citation":\#(self.citation(citation))}"#)) }
                deltas += words.enumerated().map { delta(#"{"type":"text_delta","text":\#(Self.quoted($0.offset == 0 ? $0.element : " " + $0.element))}"#) }
            }
            events.append(Self.event("content_block_start", #"{"type":"content_block_start","index":\#(index),"content_block":\#(start)}"#))
            events += deltas
            events.append(Self.event("content_block_stop", #"{"type":"content_block_stop","index":\#(index)}"#))
        }
        events.append(Self.event("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"\#(self.stopReason)","stop_sequence":null},"usage":{\#(self.usageMembers),"output_tokens":\#(self.outputTokens)}}"#))
        events.append(Self.event("message_stop", #"{"type":"message_stop"}"#))
        return events
    }
}
