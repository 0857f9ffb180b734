import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

@testable import SluiceProviders

/// An in-process Bedrock Runtime that answers `POST /model/{modelId}/converse` with Converse JSON
/// and `/converse-stream` with an `application/vnd.amazon.eventstream` body, in the shapes of the
/// Bedrock API reference. It checks every request's SigV4 `Authorization` header by signing the
/// request again with ``credentials`` and refuses a mismatch with 403 `InvalidSignatureException`.
/// The model id picks the behaviour:
///
/// | model | behaviour |
/// |---|---|
/// | `ok`, `ok-v1:0` | a text answer (streamed in frames split across writes); asked to stop at " How" (or " there" when streamed), the text up to it, ending with `stop_sequence` |
/// | `tools` | a text block, then a `get_weather` tool use (streamed as input fragments) |
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

        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(self.body.utf8))) as? [String: Any] ?? [:]
        }
    }

    private let state = Mutex<[Received]>([])
    private let server: RunningServer

    var baseURL: String { "http://127.0.0.1:\(self.server.port)" }
    var received: [Received] { self.state.withLock { $0 } }

    static func start() async throws -> StubBedrock {
        let box = StubBedrockBox()
        let router = Router()
        router.post("/model/:modelId/:operation") { request, _ in
            try await box.stub!.answer(request)
        }
        let server = try await RunningServer.start(router: router)
        let stub = StubBedrock(server: server)
        box.stub = stub
        return stub
    }

    private init(server: RunningServer) {
        self.server = server
    }

    func stop() async {
        await self.server.stop()
    }

    private func answer(_ request: Request) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: 1 << 20)
        let signatureMatches = Self.signatureMatches(request, body: Array(body.readableBytesView))
        let path = request.uri.path
        self.state.withLock {
            $0.append(Received(
                path: path, authorization: request.headers[.authorization], sessionToken: Self.header(request, "x-amz-security-token"),
                signatureMatches: signatureMatches, body: String(buffer: body)))
        }
        guard signatureMatches else {
            return Self.error("InvalidSignatureException", "The request signature we calculated does not match the signature you provided.", status: .forbidden)
        }
        let segments = path.split(separator: "/")
        let model = segments.count == 3 ? (String(segments[1]).removingPercentEncoding ?? "") : ""
        let stream = segments.last == "converse-stream"
        switch model {
        case "throttled":
            return Self.error("ThrottlingException", "Too many requests, please wait before trying again.", status: .tooManyRequests)
        case "ok", "ok-v1:0", "tools", "stream-error":
            break
        default:
            return Self.error("ResourceNotFoundException", "The model \(model) does not exist.", status: .notFound)
        }
        // An answer that would go on past " How" or " there" stops there when asked to, as Converse
        // says with `stop_sequence`.
        let stops = ((try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any])
            .flatMap { ($0["inferenceConfig"] as? [String: Any])?["stopSequences"] as? [String] } ?? []
        let stopsEarly = stops.contains(" How") || stops.contains(" there")
        guard stream else {
            let text = model == "tools" ? Self.toolResponse : stopsEarly ? Self.stoppedResponse : Self.textResponse
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        let frames: [UInt8]
        switch model {
        case _ where stopsEarly && model != "tools":
            frames = (Self.textStream[0...1] + [Self.textStream[3], EventStreamFrames.event("messageStop", #"{"stopReason":"stop_sequence"}"#), Self.textStream[5]])
                .flatMap { $0 }
        case "tools": frames = Self.toolStream.flatMap { $0 }
        case "stream-error":
            let failure = EventStreamFrames.exception("modelStreamErrorException", message: "The model failed mid-stream.")
            frames = (Self.textStream[0...2] + [failure]).flatMap { $0 }
        default: frames = Self.textStream.flatMap { $0 }
        }
        return Response(status: .ok, headers: [.contentType: "application/vnd.amazon.eventstream"], body: ResponseBody { writer in
            // Split frames across writes at awkward places, as TCP may.
            var index = 0
            while index < frames.count {
                let end = min(index + 37, frames.count)
                try await writer.write(ByteBuffer(bytes: frames[index..<end]))
                index = end
            }
            try await writer.finish(nil)
        })
    }

    /// Signs the request again from what arrived and compares the `Authorization` headers.
    private static func signatureMatches(_ request: Request, body: [UInt8]) -> Bool {
        guard let authorization = request.headers[.authorization],
            let amzDate = Self.header(request, "x-amz-date"), let date = Self.date(amzDate),
            let signedPart = authorization.split(separator: " ").first(where: { $0.hasPrefix("SignedHeaders=") })
        else { return false }
        let signedNames = signedPart.dropFirst("SignedHeaders=".count).dropLast().split(separator: ";").map(String.init)
        let added: Set<String> = ["host", "x-amz-date", "x-amz-security-token"]
        var headers: [(name: String, value: String)] = []
        for name in signedNames where !added.contains(name) {
            guard let value = Self.header(request, name) else { return false }
            headers.append((name, value))
        }
        let signer = SigV4Signer(credentials: Self.credentials, region: Self.region, service: "bedrock")
        let expected = signer.sign(
            method: "POST", host: request.head.authority ?? Self.header(request, "host") ?? "", path: request.uri.path,
            headers: headers, payload: body, date: date)
        return expected.authorization == authorization
    }

    private static func header(_ request: Request, _ name: String) -> String? {
        request.headers.first { $0.name.canonicalName == name }?.value
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

private final class StubBedrockBox: @unchecked Sendable {
    // Set once before the server takes its first request.
    var stub: StubBedrock?
}
