import Foundation
import Hummingbird
import NIOCore
import SluiceConfig
import Synchronization
import Testing

/// OpenTelemetry traces, exported to an OTLP/HTTP (JSON) receiver running in the test.
@Suite struct TracingTests {
    static let clientTraceID = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let clientSpanID = "00f067aa0ba902b7"
    static let clientTraceparent = "00-\(clientTraceID)-\(clientSpanID)-01"

    static func settings(receiver: OTLPReceiver) -> String {
        GatewayHarness.defaultSettings + """
            tracing:
              otlp_endpoint: \(receiver.endpoint)
              protocol: http/json
              service_name: sluice-test
              headers: { authorization: "Bearer collector-secret" }
              export_interval: 50ms

            """
    }

    @Test func theRequestSpanContinuesTheClientsTraceAndTheUpstreamContinuesTheAttemptSpan() async throws {
        let receiver = try await OTLPReceiver.start()
        try await withGateway(settings: Self.settings(receiver: receiver)) { harness, client in
            let reply = try await client.chat(model: "stub-ok", extra: #","max_tokens":64"#, headers: ["traceparent": Self.clientTraceparent])
            #expect(reply.status == 200)
            let spans = try await receiver.waitForSpans { spans in spans.contains { $0.kind == .client } && spans.contains { $0.kind == .server } }

            let request = try #require(spans.first { $0.kind == .server })
            #expect(request.name == "chat stub-ok")
            #expect(request.traceID == Self.clientTraceID)
            #expect(request.parentSpanID == Self.clientSpanID)
            #expect(request.attributes["gen_ai.operation.name"] == "chat")
            #expect(request.attributes["gen_ai.request.model"] == "stub-ok")
            #expect(request.attributes["gen_ai.response.model"] == "stub-ok")
            #expect(request.attributes["gen_ai.provider.name"] == "openai")
            #expect(request.attributes["gen_ai.request.max_tokens"] == "64")
            #expect(request.attributes["gen_ai.usage.input_tokens"] == "19")
            #expect(request.attributes["gen_ai.usage.output_tokens"] == "10")
            #expect(request.attributes["http.response.status_code"] == "200")
            #expect(request.attributes["sluice.attempts"] == "1")
            #expect(request.attributes["sluice.deployment"] == "openai:ok")
            #expect(request.attributes["sluice.request.id"] != nil)

            let attempt = try #require(spans.first { $0.kind == .client })
            #expect(attempt.name == "chat ok")
            #expect(attempt.traceID == Self.clientTraceID)
            #expect(attempt.attributes["server.address"] == "127.0.0.1")
            #expect(attempt.attributes["server.port"] != nil)
            #expect(attempt.attributes["gen_ai.provider.name"] == "openai")
            #expect(spans.descends(attempt, from: request))
            #expect(spans.contains { $0.name == "admit" && $0.parentSpanID == request.spanID })

            let upstream = try #require(harness.stub.received.first?.traceparent)
            #expect(upstream == "00-\(Self.clientTraceID)-\(attempt.spanID)-01")
            #expect(try await harness.waitForRecords(1).first?.traceID == Self.clientTraceID)
        }
        await receiver.stop()
        #expect(!receiver.authorizations.isEmpty)
        #expect(receiver.authorizations.allSatisfy { $0 == "Bearer collector-secret" })
    }

    @Test func aStreamedRequestSpanEndsWithItsStreamAndItsAttemptNotesTheFirstToken() async throws {
        let receiver = try await OTLPReceiver.start()
        try await withGateway(settings: Self.settings(receiver: receiver)) { harness, client in
            let reply = try await client.chat(model: "stub-ok", stream: true, extra: #","stream_options":{"include_usage":true}"#)
            #expect(reply.events.last == "[DONE]")
            let spans = try await receiver.waitForSpans { spans in spans.contains { $0.kind == .server } }

            let request = try #require(spans.first { $0.kind == .server })
            #expect(request.parentSpanID == nil)
            #expect(request.attributes["gen_ai.request.stream"] == "true")
            #expect(request.attributes["gen_ai.usage.output_tokens"] == "3")
            let attempt = try #require(spans.first { $0.kind == .client })
            #expect(attempt.events.contains("gen_ai.first_token"))
            #expect(spans.descends(attempt, from: request))
            let relay = try #require(spans.first { $0.name == "relay" })
            #expect(relay.parentSpanID == request.spanID)
            // The request ends with its stream, not with the response head.
            #expect(request.end >= relay.end)
            #expect(request.end >= attempt.end)
            #expect(harness.stub.received.first?.traceparent?.contains(request.traceID) == true)
        }
        await receiver.stop()
    }

    @Test func everyAttemptHasASpanAndAFailedOneIsMarkedAsAnError() async throws {
        let receiver = try await OTLPReceiver.start()
        try await withGateway(settings: Self.settings(receiver: receiver)) { harness, client in
            #expect(try await client.chat(model: "flaky").status == 200)
            let spans = try await receiver.waitForSpans { spans in spans.filter { $0.kind == .client }.count == 2 && spans.contains { $0.kind == .server } }

            let request = try #require(spans.first { $0.kind == .server })
            #expect(request.attributes["sluice.attempts"] == "2")
            let attempts = spans.filter { $0.kind == .client }.sorted { $0.start < $1.start }
            #expect(attempts.map(\.name) == ["chat error-500", "chat ok"])
            #expect(attempts.map(\.isError) == [true, false])
            #expect(attempts.first?.attributes["error.type"] != nil)
            #expect(attempts.allSatisfy { spans.descends($0, from: request) })
            // Each upstream call carried its own attempt's span as parent.
            let parents = harness.stub.received.compactMap { $0.traceparent?.split(separator: "-").dropFirst(2).first.map(String.init) }
            #expect(parents == attempts.map(\.spanID))
        }
        await receiver.stop()
    }

    @Test func theTracingSectionIsReadStrictlyAndIsOffWithoutAnEndpoint() throws {
        let models = "models: [{ name: demo, deployments: [{ provider: mock }] }]\n"
        let on = try ConfigLoader.parse(yaml: """
            tracing:
              otlp_endpoint: https://collector.example.com/v1/traces
              protocol: http/json
              sample_ratio: 0.25
              headers: { Authorization: "Bearer ${OTEL_TOKEN}" }
              export_interval: 200ms
            """ + "\n" + models, environment: ["OTEL_TOKEN": "t0ken"])
        let tracing = try #require(on.tracing)
        #expect(tracing.endpoint == "https://collector.example.com/v1/traces")
        #expect(tracing.wireProtocol == .json)
        #expect(tracing.serviceName == "sluice")
        #expect(tracing.sampleRatio == 0.25)
        #expect(tracing.headers == ["authorization": Secret("Bearer t0ken")])
        #expect(tracing.exportInterval == .milliseconds(200))
        #expect(try ConfigLoader.parse(yaml: "tracing: { service_name: x }\n" + models, environment: [:]).tracing == nil)

        let wrong = "tracing: { otlp_endpoint: collector:4318, protocol: grpc, sample_ratio: 2, sampling: 1 }\n" + models
        let problems: [String]
        do {
            _ = try ConfigLoader.parse(yaml: wrong, environment: [:])
            problems = []
        } catch {
            problems = error.problems.map(\.path)
        }
        #expect(problems == ["tracing.sampling", "tracing.otlp_endpoint", "tracing.protocol", "tracing.sample_ratio"])
    }

    @Test func withTracingOffAClientsTraceparentReachesTheUpstreamUnchanged() async throws {
        try await withGateway { harness, client in
            let traced = try await client.chat(model: "stub-ok", headers: ["traceparent": Self.clientTraceparent])
            let untraced = try await client.chat(model: "stub-ok")
            #expect(traced.status == 200)
            #expect(untraced.status == 200)
            #expect(harness.stub.received.map(\.traceparent) == [String?]([Self.clientTraceparent, nil]))
            let records = try await harness.waitForRecords(2)
            #expect(records.map(\.traceID) == [String?]([Self.clientTraceID, nil]))
        }
    }
}

/// One span as an OTLP/JSON export shows it.
struct ReceivedSpan: Sendable {
    enum Kind: Int, Sendable { case unspecified, `internal`, server, client, producer, consumer }

    var name: String
    var kind: Kind
    var traceID: String
    var spanID: String
    var parentSpanID: String?
    var attributes: [String: String]
    var events: [String]
    var isError: Bool
    var start: UInt64
    var end: UInt64

    init?(_ json: [String: Any]) {
        guard let name = json["name"] as? String, let traceID = (json["traceId"] as? String).flatMap(Self.hex),
            let spanID = (json["spanId"] as? String).flatMap(Self.hex)
        else { return nil }
        self.name = name
        self.kind = Kind(rawValue: json["kind"] as? Int ?? 0) ?? .unspecified
        self.traceID = traceID
        self.spanID = spanID
        self.parentSpanID = (json["parentSpanId"] as? String).flatMap(Self.hex)
        var attributes: [String: String] = [:]
        for attribute in json["attributes"] as? [[String: Any]] ?? [] {
            guard let key = attribute["key"] as? String, let value = (attribute["value"] as? [String: Any])?.first else { continue }
            attributes[key] = value.key == "boolValue" ? String((value.value as? Bool) ?? false) : "\(value.value)"
        }
        self.attributes = attributes
        self.events = (json["events"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        self.isError = (json["status"] as? [String: Any])?["code"] as? Int == 2
        self.start = UInt64(json["startTimeUnixNano"] as? String ?? "") ?? 0
        self.end = UInt64(json["endTimeUnixNano"] as? String ?? "") ?? 0
    }

    /// OTLP/JSON ids arrive base64-encoded (protobuf's JSON mapping of bytes); tests compare hex.
    private static func hex(_ text: String) -> String? {
        guard !text.isEmpty, let data = Data(base64Encoded: text) else { return nil }
        return data.map { String(format: "%02x", $0) }.joined()
    }
}

extension [ReceivedSpan] {
    /// Whether `span` is a child of `ancestor`, directly or through other spans here.
    func descends(_ span: ReceivedSpan, from ancestor: ReceivedSpan) -> Bool {
        var current = span
        while let parent = current.parentSpanID, let next = self.first(where: { $0.spanID == parent }) {
            if next.spanID == ancestor.spanID { return true }
            current = next
        }
        return current.parentSpanID == ancestor.spanID
    }
}

/// An OTLP/HTTP traces receiver (`POST /v1/traces`, JSON) that keeps every span.
final class OTLPReceiver: Sendable {
    private let state = Mutex<(spans: [ReceivedSpan], authorizations: [String?])>(([], []))
    private let server: Mutex<RunningServer?> = Mutex(nil)

    var endpoint: String { "http://127.0.0.1:\(self.server.withLock { $0?.port ?? 0 })/v1/traces" }
    var spans: [ReceivedSpan] { self.state.withLock { $0.spans } }
    var authorizations: [String?] { self.state.withLock { $0.authorizations } }

    static func start() async throws -> OTLPReceiver {
        let receiver = OTLPReceiver()
        let router = Router()
        router.post("/v1/traces") { request, _ -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 16 << 20)
            let json = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] ?? [:]
            let spans = (json["resourceSpans"] as? [[String: Any]] ?? [])
                .flatMap { $0["scopeSpans"] as? [[String: Any]] ?? [] }
                .flatMap { $0["spans"] as? [[String: Any]] ?? [] }
                .compactMap(ReceivedSpan.init)
            receiver.state.withLock { state in
                state.spans += spans
                state.authorizations.append(request.headers[.authorization])
            }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: "{}")))
        }
        let server = try await RunningServer.start(router: router)
        receiver.server.withLock { $0 = server }
        return receiver
    }

    /// The spans received once `done` holds for them (or after ten seconds).
    func waitForSpans(until done: ([ReceivedSpan]) -> Bool) async throws -> [ReceivedSpan] {
        for _ in 0..<1000 {
            let spans = self.spans
            if done(spans) { return spans }
            try await Task.sleep(for: .milliseconds(10))
        }
        return self.spans
    }

    func stop() async {
        await self.server.withLock { $0 }?.stop()
    }
}
