import Foundation
import Hummingbird
import NIOCore

/// An in-process server that answers OpenAI's Responses API (`POST /v1/responses`) with the
/// exact shapes of OpenAI's API reference, whole or as its event stream, split across writes.
/// The answer follows the request: its text is `max_output_tokens` words (``naturalLength`` when
/// unset, then `completed`; `incomplete` when the limit cut it), its input tokens a quarter of
/// the bytes of `input` and `instructions`. The upstream model `responses-error` answers 400 in
/// OpenAI's error shape; `responses-failing` streams a `response.failed` after one delta.
final class StubResponsesAPI: Sendable {
    let server: RecordingStubServer

    /// How many words an answer runs to when nothing stops it.
    static let naturalLength = 8

    var baseURL: String { "http://127.0.0.1:\(self.server.port)/v1" }
    /// The Responses requests received.
    var received: [RecordedRequest] { self.server.requests.filter { $0.method == .post } }

    static func start() async throws -> StubResponsesAPI {
        StubResponsesAPI(server: try await RecordingStubServer.start(answer: Self.answer))
    }

    private init(server: RecordingStubServer) {
        self.server = server
    }

    func stop() async {
        await self.server.stop()
    }

    private static func answer(_ exchange: StubExchange) async throws -> Response {
        let request = exchange.request
        guard request.method == .post else { return StubReply.json(#"{"object":"list","data":[]}"#) }
        guard request.path == "/v1/responses" else { return StubReply.json(#"{"error":{"message":"not found"}}"#, status: .notFound) }
        let json = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] ?? [:]
        let model = json["model"] as? String ?? ""
        if model == "responses-error" {
            return StubReply.json(
                #"{"error":{"message":"Invalid value: 'bogus'.","type":"invalid_request_error","param":"input","code":"invalid_value"}}"#, status: .badRequest
            )
        }
        let answer = Answer(request: json)
        guard json["stream"] as? Bool == true else { return StubReply.json(answer.response(final: true)) }
        var events = answer.events
        if model == "responses-failing" {
            events = Array(events.prefix(5)) + [answer.event("response.failed", #""response":\#(answer.failedResponse)"#, sequence: 5)]
        }
        return StubReply.stream(events.joined(), pieceSize: 41, exchange: exchange)
    }

    /// One answer to one request.
    struct Answer {
        let model: String
        let words: [String]
        let limited: Bool
        let inputTokens: Int
        let echo: String
        /// A new id for every answer, as OpenAI gives.
        let responseID = "resp_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let messageID = "msg_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()

        init(request json: [String: Any]) {
            self.model = json["model"] as? String ?? ""
            let limit = json["max_output_tokens"] as? Int
            let count = min(limit ?? StubResponsesAPI.naturalLength, StubResponsesAPI.naturalLength)
            self.words = (0..<max(count, 1)).map { "word\($0) " }
            self.limited = count < StubResponsesAPI.naturalLength
            let input = (try? JSONSerialization.data(withJSONObject: json["input"] ?? "", options: [.fragmentsAllowed]))?.count ?? 0
            let instructions = (json["instructions"] as? String)?.utf8.count ?? 0
            self.inputTokens = max(1, (input + instructions) / 4)
            let store = json["store"] as? Bool ?? true
            let maxOutput = limit.map(String.init) ?? "null"
            self.echo = #""instructions":\#(Self.quoted(json["instructions"] as? String)),"max_output_tokens":\#(maxOutput),"store":\#(store)"#
        }

        var text: String { self.words.joined() }

        private static func quoted(_ text: String?) -> String {
            guard let text else { return "null" }
            return String(decoding: try! JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed]), as: UTF8.self)
        }

        private var usage: String {
            #"{"input_tokens":\#(self.inputTokens),"input_tokens_details":{"cached_tokens":0},"output_tokens":\#(self.words.count),"#
                + #""output_tokens_details":{"reasoning_tokens":0},"total_tokens":\#(self.inputTokens + self.words.count)}"#
        }

        private var part: String { #"{"type":"output_text","annotations":[],"logprobs":[],"text":\#(Self.quoted(self.text))}"# }

        private var message: String {
            #"{"id":"\#(self.messageID)","type":"message","status":"completed","content":[\#(self.part)],"role":"assistant"}"#
        }

        /// The response object: in progress (no output, no usage) or final.
        func response(final: Bool) -> String {
            let status = final ? (self.limited ? "incomplete" : "completed") : "in_progress"
            let incomplete = final && self.limited ? #"{"reason":"max_output_tokens"}"# : "null"
            return #"{"id":"\#(self.responseID)","object":"response","created_at":1741290958,"status":"\#(status)","background":false,"#
                + #""error":null,"incomplete_details":\#(incomplete),\#(self.echo),"max_tool_calls":null,"model":"\#(self.model)","#
                + #""output":[\#(final ? self.message : "")],"parallel_tool_calls":true,"previous_response_id":null,"reasoning":{"effort":null,"summary":null},"#
                + #""service_tier":"default","temperature":1.0,"text":{"format":{"type":"text"},"verbosity":"medium"},"tool_choice":"auto","tools":[],"#
                + #""top_logprobs":0,"top_p":1.0,"truncation":"disabled","usage":\#(final ? self.usage : "null"),"user":null,"metadata":{}}"#
        }

        var failedResponse: String {
            self.response(final: false).replacingOccurrences(of: #""status":"in_progress""#, with: #""status":"failed""#)
                .replacingOccurrences(of: #""error":null"#, with: #""error":{"code":"server_error","message":"The model crashed."}"#)
        }

        func event(_ type: String, _ fields: String, sequence: Int) -> String {
            "event: \(type)\ndata: {\"type\":\"\(type)\",\"sequence_number\":\(sequence),\(fields)}\n\n"
        }

        /// The stream, in the order OpenAI sends it.
        var events: [String] {
            var events: [String] = []
            func add(_ type: String, _ fields: String) { events.append(self.event(type, fields, sequence: events.count)) }
            let item = #""item_id":"\#(self.messageID)","output_index":0,"content_index":0"#
            add("response.created", #""response":\#(self.response(final: false))"#)
            add("response.in_progress", #""response":\#(self.response(final: false))"#)
            add("response.output_item.added", #""output_index":0,"item":{"id":"\#(self.messageID)","type":"message","status":"in_progress","content":[],"role":"assistant"}"#)
            add("response.content_part.added", #"\#(item),"part":{"type":"output_text","annotations":[],"logprobs":[],"text":""}"#)
            for word in self.words {
                add("response.output_text.delta", #"\#(item),"delta":"\#(word)","logprobs":[],"obfuscation":"x1""#)
            }
            add("response.output_text.done", #"\#(item),"text":\#(Self.quoted(self.text)),"logprobs":[]"#)
            add("response.content_part.done", #"\#(item),"part":\#(self.part)"#)
            add("response.output_item.done", #""output_index":0,"item":\#(self.message)"#)
            add(self.limited ? "response.incomplete" : "response.completed", #""response":\#(self.response(final: true))"#)
            return events
        }
    }
}
