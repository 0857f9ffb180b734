import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

@testable import SluiceProviders

/// An in-process Bedrock Runtime that answers `POST /model/{modelId}/converse` with Converse JSON
/// and `/converse-stream` with an `application/vnd.amazon.eventstream` body, in the shapes of the
/// Bedrock API reference. It checks every request's SigV4 `Authorization` header by signing the
/// request again with ``credentials`` and refuses a mismatch with 403 `InvalidSignatureException`,
/// and refuses a conversation without messages (the gateway's health probe) with 400
/// `ValidationException`, as Bedrock does before running the model. The model id picks the
/// behaviour (a ``ConformanceBehaviour`` under `anthropic.claude-<behaviour>`):
///
/// | model | behaviour |
/// |---|---|
/// | `ok`, `ok-v1:0` | a text answer (streamed in frames split across writes); asked to stop at " How" (or " there" when streamed), the text up to it, ending with `stop_sequence` |
/// | `tools` | a text block, then a `get_weather` tool use (streamed as input fragments); once its `toolResult` comes back, a text answer quoting it |
/// | `throttled` | 429 `ThrottlingException` |
/// | `stream-error` | streamed: the first words, then a `modelStreamErrorException` frame |
final class StubBedrock: Sendable {
    static let credentials = SigV4Signer.Credentials(
        accessKeyID: "AKIDBEDROCKSTUB", secretAccessKey: "bedrock/stub/secret", sessionToken: "stub-session-token")
    static let region = "us-west-2"

    /// What the stub received.
    struct Received: Sendable {
        var path: String
        var authorization: String?
        var sessionToken: String?
        var signatureMatches: Bool
        var body: String
        /// The request as it arrived, headers and bytes.
        var request: RecordedRequest

        init(_ request: RecordedRequest) {
            self.path = request.path
            self.authorization = request.header("authorization")
            self.sessionToken = request.header("x-amz-security-token")
            self.signatureMatches = StubBedrock.signatureMatches(request)
            self.body = request.text
            self.request = request
        }

        var json: [String: Any] { self.request.json }
    }

    let server: RecordingStubServer

    var baseURL: String { "http://127.0.0.1:\(self.server.port)" }
    /// The Converse requests, health probes aside.
    var received: [Received] { self.server.requests.filter { !Self.isProbe($0) }.map(Received.init) }
    /// The health probes: Converse requests without messages.
    var probes: [Received] { self.server.requests.filter(Self.isProbe).map(Received.init) }

    static func start() async throws -> StubBedrock {
        StubBedrock(server: try await RecordingStubServer.start(answer: Self.answer))
    }

    private init(server: RecordingStubServer) {
        self.server = server
    }

    func stop() async {
        await self.server.stop()
    }

    private static func isProbe(_ request: RecordedRequest) -> Bool {
        (request.json["messages"] as? [Any])?.isEmpty == true
    }

    private static func answer(_ exchange: StubExchange) async throws -> Response {
        let request = exchange.request
        let segments = request.path.split(separator: "/")
        guard request.method == .post, segments.count == 3, segments[0] == "model", ["converse", "converse-stream"].contains(segments[2]) else {
            return Self.error("UnknownOperationException", "Unknown operation.", status: .notFound)
        }
        guard Self.signatureMatches(request) else {
            return Self.error("InvalidSignatureException", "The request signature we calculated does not match the signature you provided.", status: .forbidden)
        }
        let modelID = String(segments[1]).removingPercentEncoding ?? ""
        let model = modelID.hasPrefix("anthropic.claude-") ? String(modelID.dropFirst("anthropic.claude-".count)) : modelID
        let stream = segments[2] == "converse-stream"
        let json = request.json
        if Self.isProbe(request) {
            return Self.error("ValidationException", "The messages field must not be empty.", status: .badRequest)
        }
        switch model {
        case "throttled", "rate-limited":
            return Self.error("ThrottlingException", "Too many requests, please wait before trying again.", status: .tooManyRequests)
        case "error-400":
            return Self.error("ValidationException", "The provided request is not valid", status: .badRequest)
        case "error-401":
            return Self.error("UnrecognizedClientException", "The security token included in the request is invalid.", status: .forbidden)
        case "error-500":
            return Self.error("InternalServerException", "The server encountered an internal error while processing the request.", status: .internalServerError)
        case "stall-head":
            try await exchange.stallUntilHangUp()
        case "ok", "ok-v1:0", "tools", "stream-error", "reasoning", "metered", "cut", "stall":
            break
        default:
            return Self.error("ResourceNotFoundException", "The model \(modelID) does not exist.", status: .notFound)
        }
        if model == "tools", let refusal = Self.toolResultRefusal(json) {
            return Self.error("ValidationException", refusal, status: .badRequest)
        }
        let thinks = ((json["additionalModelRequestFields"] as? [String: Any])?["thinking"] as? [String: Any])?["type"] as? String == "enabled"
        let toolResults = model == "tools" ? Self.toolResults(json) : nil
        // An answer that would go on past " How" or " there" stops there when asked to, as Converse
        // says with `stop_sequence`.
        let stops = (json["inferenceConfig"] as? [String: Any])?["stopSequences"] as? [String] ?? []
        let stopsEarly = stops.contains(" How") || stops.contains(" there")
        guard stream else {
            let text = switch model {
            case "tools" where toolResults != nil: Self.textResponse.replacingOccurrences(of: #""Hello! How can I help?""#, with: StubShapes.quoted("The weather service says: \(toolResults!)"))
            case "tools": Self.toolResponse
            case "reasoning": Self.reasoningResponse(thinks: thinks)
            case "metered": MeteredAnswer(request: json, rawBody: request.text).whole
            case _ where stopsEarly: Self.stoppedResponse
            default: Self.textResponse
            }
            return StubReply.json(text)
        }
        let frames: [[UInt8]]
        var ending = StubReply.Ending.finish
        switch model {
        case _ where stopsEarly && model != "tools":
            frames = Self.textStream[0...1] + [Self.textStream[3], EventStreamFrames.event("messageStop", #"{"stopReason":"stop_sequence"}"#), Self.textStream[5]]
        case "tools": frames = toolResults == nil ? Self.toolStream : Self.textStream
        case "reasoning": frames = Self.reasoningStream(thinks: thinks)
        case "metered": frames = MeteredAnswer(request: json, rawBody: request.text).frames
        case "stream-error":
            frames = Self.textStream[0...2] + [EventStreamFrames.exception("modelStreamErrorException", message: "The model failed mid-stream.")]
        case "cut", "stall":
            (frames, ending) = (Array(Self.textStream[0...1]), model == "cut" ? .cut : .stall)
        default: frames = Self.textStream
        }
        // Split frames across writes at awkward places, as TCP may.
        return StubReply.stream(frames.flatMap { $0 }, contentType: "application/vnd.amazon.eventstream", pieceSize: 37, ending: ending, exchange: exchange)
    }

    /// The text of the `toolResult` blocks of the last user message, or nil when it has none.
    private static func toolResults(_ json: [String: Any]) -> String? {
        let results = ((json["messages"] as? [[String: Any]])?.last?["content"] as? [[String: Any]] ?? []).compactMap { $0["toolResult"] as? [String: Any] }
        guard !results.isEmpty else { return nil }
        return results.map { StubShapes.text(ofContent: $0["content"]) }.joined(separator: "; ")
    }

    /// Bedrock's refusal of a `toolResult` that answers no `toolUse` of the message before it, or nil.
    private static func toolResultRefusal(_ json: [String: Any]) -> String? {
        let messages = json["messages"] as? [[String: Any]] ?? []
        guard let results = messages.last?["content"] as? [[String: Any]] else { return nil }
        let uses = messages.count >= 2 ? (messages[messages.count - 2]["content"] as? [[String: Any]] ?? []).compactMap { $0["toolUse"] as? [String: Any] } : []
        let useIDs = Set(uses.compactMap { $0["toolUseId"] as? String })
        for result in results.compactMap({ $0["toolResult"] as? [String: Any] }) {
            let id = result["toolUseId"] as? String ?? ""
            guard useIDs.contains(id), Self.toolUseIDs.contains(id) else {
                return "The toolResult blocks at messages.\(messages.count - 1).content contain toolUseId \(id), which does not match a toolUse block of the previous turn."
            }
        }
        return nil
    }

    /// The ids of the tool uses ``toolResponse`` and ``toolStream`` make.
    static let toolUseIDs: Set<String> = ["tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", "tooluse_Bq8bRMPpTbGz1Vd0z3VNAw"]

    /// Signs the request again from what arrived and compares the `Authorization` headers.
    static func signatureMatches(_ request: RecordedRequest) -> Bool {
        guard let authorization = request.header("authorization"),
            let amzDate = request.header("x-amz-date"), let date = Self.date(amzDate),
            let signedPart = authorization.split(separator: " ").first(where: { $0.hasPrefix("SignedHeaders=") })
        else { return false }
        let signedNames = signedPart.dropFirst("SignedHeaders=".count).dropLast().split(separator: ";").map(String.init)
        let added: Set<String> = ["host", "x-amz-date", "x-amz-security-token"]
        var headers: [(name: String, value: String)] = []
        for name in signedNames where !added.contains(name) {
            guard let value = request.header(name) else { return false }
            headers.append((name, value))
        }
        let signer = SigV4Signer(credentials: Self.credentials, region: Self.region, service: "bedrock")
        let expected = signer.sign(
            method: "POST", host: request.authority ?? request.header("host") ?? "", path: request.path, headers: headers, payload: request.body, date: date)
        return expected.authorization == authorization
    }

    private static func date(_ amzDate: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.date(from: amzDate)
    }

    private static func error(_ type: String, _ message: String, status: HTTPResponse.Status) -> Response {
        var response = Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: #"{"message":"\#(message)"}"#)))
        response.headers[HTTPField.Name("x-amzn-errortype")!] = "\(type):http://internal.amazon.com/coral/com.amazon.bedrock/"
        return response
    }

    static let textResponse = #"""
        {"output":{"message":{"role":"assistant","content":[{"text":"Hello! How can I help?"}]}},"stopReason":"end_turn","usage":{"inputTokens":12,"outputTokens":8,"totalTokens":20},"metrics":{"latencyMs":312}}
        """#

    static let stoppedResponse = #"""
        {"output":{"message":{"role":"assistant","content":[{"text":"Hello!"}]}},"stopReason":"stop_sequence","usage":{"inputTokens":12,"outputTokens":3,"totalTokens":15},"metrics":{"latencyMs":208}}
        """#

    static let toolResponse = #"""
        {"output":{"message":{"role":"assistant","content":[{"text":"I'll check the weather."},{"toolUse":{"toolUseId":"tooluse_kZJMlvQmRJ6eAyJE5GIl7Q","name":"get_weather","input":{"location":"Seattle, WA"}}}]}},"stopReason":"tool_use","usage":{"inputTokens":472,"outputTokens":89,"totalTokens":561},"metrics":{"latencyMs":1024}}
        """#

    static let textStream: [[UInt8]] = [
        EventStreamFrames.event("messageStart", #"{"role":"assistant"}"#),
        EventStreamFrames.event("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"text":"Hello"}}"#),
        EventStreamFrames.event("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"text":" there!"}}"#),
        EventStreamFrames.event("contentBlockStop", #"{"contentBlockIndex":0}"#),
        EventStreamFrames.event("messageStop", #"{"stopReason":"end_turn"}"#),
        EventStreamFrames.event("metadata", #"{"usage":{"inputTokens":25,"outputTokens":15,"totalTokens":40},"metrics":{"latencyMs":420}}"#),
    ]

    static let toolStream: [[UInt8]] = [
        EventStreamFrames.event("messageStart", #"{"role":"assistant"}"#),
        EventStreamFrames.event("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"text":"Okay, let's check the weather"}}"#),
        EventStreamFrames.event("contentBlockStop", #"{"contentBlockIndex":0}"#),
        EventStreamFrames.event("contentBlockStart", #"{"contentBlockIndex":1,"start":{"toolUse":{"toolUseId":"tooluse_Bq8bRMPpTbGz1Vd0z3VNAw","name":"get_weather"}}}"#),
        EventStreamFrames.event("contentBlockDelta", #"{"contentBlockIndex":1,"delta":{"toolUse":{"input":"{\"location\":"}}}"#),
        EventStreamFrames.event("contentBlockDelta", #"{"contentBlockIndex":1,"delta":{"toolUse":{"input":" \"Seattle, WA\"}"}}}"#),
        EventStreamFrames.event("contentBlockStop", #"{"contentBlockIndex":1}"#),
        EventStreamFrames.event("messageStop", #"{"stopReason":"tool_use"}"#),
        EventStreamFrames.event("metadata", #"{"usage":{"inputTokens":472,"outputTokens":89,"totalTokens":561},"metrics":{"latencyMs":900}}"#),
    ]
}

// MARK: - Reasoning and metered answers

extension StubBedrock {
    /// The signature Claude on Bedrock gives its reasoning, for the client to send back.
    static let reasoningSignature = "ErcBCkgIAhABGAIiQMuB3ZbTmVGlcFHX"

    /// The answer of `reasoning`, with its reasoning block when the request asked Claude to think.
    static func reasoningResponse(thinks: Bool) -> String {
        let reasoning = thinks
            ? #"{"reasoningContent":{"reasoningText":{"text":"\#(ConformanceBehaviour.reasoningText)","signature":"\#(reasoningSignature)"}}},"#
            : ""
        return #"{"output":{"message":{"role":"assistant","content":[\#(reasoning){"text":"\#(ConformanceBehaviour.reasoningAnswer)"}]}},"stopReason":"end_turn","usage":{"inputTokens":14,"outputTokens":40,"totalTokens":54},"metrics":{"latencyMs":512}}"#
    }

    static func reasoningStream(thinks: Bool) -> [[UInt8]] {
        let reasoning = ConformanceBehaviour.reasoningText
        let split = reasoning.index(reasoning.startIndex, offsetBy: 8)
        let thinking = [
            EventStreamFrames.event("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"reasoningContent":{"text":"\#(reasoning[..<split])"}}}"#),
            EventStreamFrames.event("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"reasoningContent":{"text":"\#(reasoning[split...])"}}}"#),
            EventStreamFrames.event("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"reasoningContent":{"signature":"\#(reasoningSignature)"}}}"#),
            EventStreamFrames.event("contentBlockStop", #"{"contentBlockIndex":0}"#),
        ]
        let answerIndex = thinks ? 1 : 0
        return [EventStreamFrames.event("messageStart", #"{"role":"assistant"}"#)] + (thinks ? thinking : []) + [
            EventStreamFrames.event("contentBlockDelta", #"{"contentBlockIndex":\#(answerIndex),"delta":{"text":"\#(ConformanceBehaviour.reasoningAnswer)"}}"#),
            EventStreamFrames.event("contentBlockStop", #"{"contentBlockIndex":\#(answerIndex)}"#),
            EventStreamFrames.event("messageStop", #"{"stopReason":"end_turn"}"#),
            EventStreamFrames.event("metadata", #"{"usage":{"inputTokens":14,"outputTokens":40,"totalTokens":54},"metrics":{"latencyMs":480}}"#),
        ]
    }

    /// An answer of `maxTokens` tokens (one "tok " each), counting the prompt as every stub does.
    private struct MeteredAnswer {
        let promptTokens: Int
        let outputTokens: Int

        init(request json: [String: Any], rawBody: String) {
            self.promptTokens = StubMeteredAnswer.promptTokens(of: json["messages"], rawBody: rawBody)
            self.outputTokens = StubMeteredAnswer.outputTokens(limit: (json["inferenceConfig"] as? [String: Any])?["maxTokens"] as? Int)
        }

        private var stopReason: String { self.outputTokens < StubMeteredAnswer.naturalLength ? "max_tokens" : "end_turn" }
        private var usage: String {
            #"{"inputTokens":\#(self.promptTokens),"outputTokens":\#(self.outputTokens),"totalTokens":\#(self.promptTokens + self.outputTokens)}"#
        }

        var whole: String {
            let text = String(repeating: "tok ", count: self.outputTokens)
            return #"{"output":{"message":{"role":"assistant","content":[{"text":"\#(text)"}]}},"stopReason":"\#(self.stopReason)","usage":\#(self.usage),"metrics":{"latencyMs":300}}"#
        }

        var frames: [[UInt8]] {
            [EventStreamFrames.event("messageStart", #"{"role":"assistant"}"#)]
                + Array(repeating: EventStreamFrames.event("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"text":"tok "}}"#), count: self.outputTokens)
                + [
                    EventStreamFrames.event("contentBlockStop", #"{"contentBlockIndex":0}"#),
                    EventStreamFrames.event("messageStop", #"{"stopReason":"\#(self.stopReason)"}"#),
                    EventStreamFrames.event("metadata", #"{"usage":\#(self.usage),"metrics":{"latencyMs":300}}"#),
                ]
        }
    }
}
