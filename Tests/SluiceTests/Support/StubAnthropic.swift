import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// An in-process server that answers `POST /v1/messages` with the exact JSON and SSE shapes of
/// Anthropic's Messages API reference, and with its bad days. The upstream model name in the
/// request picks the behaviour:
///
/// | model | behaviour |
/// |---|---|
/// | `ok` | a text answer (whole, or streamed with a `ping` and events split across writes) |
/// | `tools` | a text block, then a `get_weather` tool call (streamed as `input_json_delta` fragments) |
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

        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(self.body.utf8))) as? [String: Any] ?? [:]
        }
    }

    private let state = Mutex<(received: [Received], probes: [Received])>(([], []))
    private let server: RunningServer

    var baseURL: String { "http://127.0.0.1:\(self.server.port)/v1" }
    /// The messages requests.
    var received: [Received] { self.state.withLock { $0.received } }
    /// The model list requests (health probes).
    var probes: [Received] { self.state.withLock { $0.probes } }

    static func start() async throws -> StubAnthropic {
        let box = StubAnthropicBox()
        let router = Router()
        router.post("/v1/messages") { request, _ in
            try await box.stub!.answer(request)
        }
        router.post("/v1/messages/count_tokens") { request, _ in
            var request = request
            let body = String(buffer: try await request.collectBody(upTo: 1 << 20))
            box.stub!.note(request, body: body)
            return Self.json(#"{"input_tokens":14}"#)
        }
        router.get("/v1/models") { request, _ in
            box.stub!.noteProbe(request)
            return Self.json(
                #"{"data":[{"type":"model","id":"claude-sonnet-4-5-20250929","display_name":"Claude Sonnet 4.5","created_at":"2025-09-29T00:00:00Z"}],"has_more":false,"first_id":"claude-sonnet-4-5-20250929","last_id":"claude-sonnet-4-5-20250929"}"#
            )
        }
        let server = try await RunningServer.start(router: router)
        let stub = StubAnthropic(server: server)
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
            path: request.uri.path, query: request.uri.query ?? "", apiKey: header("x-api-key"), version: header("anthropic-version"),
            contentType: header("content-type"), authorization: header("authorization"), body: body
        )
    }

    private func answer(_ request: Request) async throws -> Response {
        var request = request
        let text = String(buffer: try await request.collectBody(upTo: 1 << 20))
        self.note(request, body: text)
        let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
        let model = json["model"] as? String ?? ""
        let stream = json["stream"] as? Bool ?? false
        switch model {
        case "rate-limited":
            var response = Self.json(Self.error(type: "rate_limit_error", message: "Number of request tokens has exceeded your per-minute rate limit."), status: .tooManyRequests)
            response.headers[.retryAfter] = "12"
            return response
        case "invalid":
            return Self.json(Self.error(type: "invalid_request_error", message: "messages.0.content: Input should be a valid list"), status: .badRequest)
        case "too-long":
            return Self.json(Self.error(type: "invalid_request_error", message: "prompt is too long: 210000 tokens > 200000 maximum"), status: .badRequest)
        case "overloaded" where !stream:
            return Self.json(Self.error(type: "overloaded_error", message: "Overloaded"), status: .init(code: 529, reasonPhrase: "Overloaded"))
        default:
            break
        }
        guard stream else { return Self.json(model == "tools" ? Self.toolMessage : Self.textMessage) }
        let events = model == "tools" ? Self.toolStream : Self.textStream
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: ResponseBody { writer in
            switch model {
            case "overloaded":
                try await writer.write(ByteBuffer(string: events[0...3].joined()))
                try await writer.write(ByteBuffer(string: "event: error\ndata: \(Self.error(type: "overloaded_error", message: "Overloaded"))\n\n"))
            case "cut":
                try await writer.write(ByteBuffer(string: events[0...3].joined()))
                throw StubAnthropicCut()
            default:
                // Split events across writes at awkward places, as TCP may.
                let all = events.joined()
                var index = all.startIndex
                while index < all.endIndex {
                    let end = all.index(index, offsetBy: 29, limitedBy: all.endIndex) ?? all.endIndex
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

private struct StubAnthropicCut: Error {}

private final class StubAnthropicBox: @unchecked Sendable {
    // Set once before the server takes its first request.
    var stub: StubAnthropic?
}
