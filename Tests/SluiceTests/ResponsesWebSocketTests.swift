import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import SluiceStore
import Synchronization
import Testing

/// The Responses API's WebSocket mode (`GET /v1/responses` upgraded): the key is checked in the
/// handshake, each `response.create` streams one response's events as JSON text messages, turns
/// follow one another on one connection, a malformed message gets an `error` event and leaves the
/// connection usable, and a client that closes mid-response ends it once, as a client that left.
@Suite("Responses WebSocket mode", .serialized)
struct ResponsesWebSocketTests {
    static let terminalTypes: Set<String> = ["response.completed", "response.incomplete", "response.failed", "error"]

    @Test(.timeLimit(.minutes(1)), arguments: [(nil, "missing_api_key"), ("sk-wrong", "invalid_api_key")] as [(String?, String)])
    func aHandshakeWithoutAValidKeyIs401AndDoesNotUpgrade(key: String?, code: String) async throws {
        try await withGateway { harness, _ in
            let connection = try await RawConnection.open(port: Self.port(harness))
            let authorization = key.map { "Authorization: Bearer \($0)\r\n" } ?? ""
            try await connection.send(
                "GET /v1/responses HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\(authorization)\r\n"
            )
            #expect(await connection.waitUntilServerEnds(within: .seconds(5)), "the refused handshake's connection ends")
            #expect(connection.text.hasPrefix("HTTP/1.1 401"), "\(connection.text.prefix(300))")
            #expect(connection.text.contains(#""code":"\#(code)""#), "the refusal in OpenAI's shape: \(connection.text)")
            #expect(!connection.text.contains("101 Switching Protocols"))
            #expect(harness.records.all.isEmpty, "a refused handshake runs no response")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func twoResponsesRunInSequenceOnOneConnection() async throws {
        try await withGateway { harness, _ in
            let turns = try await Self.converse(harness) { socket in
                var turns: [[[String: Any]]] = []
                for input in ["Say hello", "Say it again"] {
                    try await socket.send(#"{"type":"response.create","model":"stub-ok","input":"\#(input)","store":false}"#)
                    turns.append(try await socket.readTurn())
                }
                return turns.map { $0.map(Self.summary) }
            }
            try #require(turns.count == 2)
            var ids: [String] = []
            for events in turns {
                #expect(events.first?.type == "response.created", "\(events.map(\.type))")
                #expect(events.last?.type == "response.completed", "\(events.map(\.type))")
                #expect(events.contains { $0.type == "response.output_text.delta" }, "\(events.map(\.type))")
                #expect(events.map(\.sequence) == Array(0..<events.count), "each response's events are numbered from 0")
                ids.append(events.last?.responseID ?? "")
            }
            #expect(Set(ids).count == 2 && !ids.contains(""), "two responses: \(ids)")
            #expect(harness.records.all.map(\.status) == [200, 200], "each turn is one request")
        }
    }

    /// As OpenAI does, a connection remembers its latest unstored response: Codex streams with
    /// `store: false` and continues it by id on the same socket. Nothing of it reaches the store,
    /// and another connection cannot continue it.
    @Test(.timeLimit(.minutes(1)))
    func anUnstoredResponseIsContinuedOnItsOwnConnectionOnly() async throws {
        try await withGateway { harness, client in
            let (first, second) = try await Self.converse(harness) { (socket: inout Socket) async throws -> ([Event], [Event]) in
                try await socket.send(#"{"type":"response.create","model":"stub-ok","input":"My name is Ada.","store":false}"#)
                let first = try await socket.readTurn().map(Self.summary)
                let id = first.last?.responseID ?? ""
                try await socket.send(#"{"type":"response.create","model":"stub-ok","previous_response_id":"\#(id)","input":"What is my name?","store":false}"#)
                return (first, try await socket.readTurn().map(Self.summary))
            }
            let id = try #require(first.last?.responseID)
            #expect(second.last?.type == "response.completed", "\(second)")
            let sent = try #require(harness.stub.received.last?.body)
            let messages = try #require((try JSONSerialization.jsonObject(with: Data(sent.utf8)) as? [String: Any])?["messages"] as? [[String: Any]])
            #expect(messages.map { $0["role"] as? String } == ["user", "assistant", "user"], "\(sent)")
            #expect(sent.contains("My name is Ada.") && sent.contains("What is my name?"))
            #expect(try await client.request(.GET, "/v1/responses/\(id)").status == 404, "an unstored response is never stored")

            let elsewhere = try await Self.converse(harness) { (socket: inout Socket) async throws -> [Event] in
                try await socket.send(#"{"type":"response.create","model":"stub-ok","previous_response_id":"\#(id)","input":"Again"}"#)
                return try await socket.readTurn().map(Self.summary)
            }
            #expect(elsewhere.last?.errorCode == "previous_response_not_found", "\(elsewhere)")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aMalformedMessageGetsAnErrorEventAndTheConnectionGoesOn() async throws {
        try await withGateway { harness, _ in
            let replies = try await Self.converse(harness) { socket in
                var replies: [[[String: Any]]] = []
                for message in [
                    "not json", #"{"model":"stub-ok","input":"Hi"}"#, #"{"type":"response.steer","input":"Hi"}"#,
                    #"{"type":"response.create","model":"stub-ok","input":"Hi","background":true}"#,
                    #"{"type":"response.create","model":"no-such-model","input":"Hi"}"#,
                    #"{"type":"response.create","model":"stub-ok","input":"Hi","stream_id":"lane-7"}"#,
                ] {
                    try await socket.send(message)
                    replies.append(try await socket.readTurn())
                }
                return replies.map { $0.map(Self.summary) }
            }
            try #require(replies.count == 6)
            let errors = replies.prefix(5).map { $0.last }
            #expect(errors.map { $0?.type } == Array(repeating: "error", count: 5), "\(replies)")
            #expect(errors.map { $0?.errorCode } == ["invalid_json", nil, "unsupported_event_type", nil, "model_not_found"], "\(errors)")
            #expect(errors.map { $0?.errorParam } == [nil, "type", "type", "background", "model"], "\(errors)")
            #expect(errors.map { $0?.status } == [400, 400, 400, 400, 404], "\(errors)")
            let lane = try #require(replies.last)
            #expect(lane.last?.type == "response.completed", "the connection still serves: \(lane.map(\.type))")
            #expect(lane.allSatisfy { $0.streamID == "lane-7" }, "the turn's events echo its stream_id")
        }
    }

    /// The client closes once the upstream has the request: the upstream's connection is closed
    /// (the call cancelled), the ledger has one 499 row and the in-flight gauge returns to 0.
    @Test(.timeLimit(.minutes(1)))
    func aCloseMidResponseCancelsIt() async throws {
        try await withHoldingGateway(settings: GatewayHarness.governanceSettings()) { harness, client, upstream in
            _ = try await Self.converse(harness) { socket in
                try await socket.send(#"{"type":"response.create","model":"hold-openai","input":"Say hello"}"#)
                try #require(await upstream.waitForExchanges(1, within: .seconds(5)).count == 1, "the turn never reached the upstream")
                // Returning closes the socket with a close message.
            }
            #expect(await upstream.waitForClose(of: 0, within: .seconds(5)) != nil, "the upstream call is cancelled")
            let store = try #require(harness.governance?.store)
            var rows: [UsageRow] = []
            let deadline = ContinuousClock.now + .seconds(3)
            while rows.isEmpty, ContinuousClock.now < deadline {
                await harness.governance?.flushLedger()
                rows = try await store.usage(UsageQuery(limit: 100))
                if rows.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(rows.map(\.status) == [499], "one ledger row, a client that left: \(rows)")
            #expect(rows.map(\.errorCode) == ["client_closed"])
            #expect(harness.records.all.map(\.status) == [499], "the request ends once")
            var inFlight = -1.0
            while ContinuousClock.now < deadline + .seconds(2) {
                inFlight = PrometheusExposition(try await client.request(.GET, "/metrics", key: nil).body).value("sluice_requests_in_flight")
                if inFlight == 0 { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(inFlight == 0, "the in-flight gauge is back at 0")
        }
    }

    /// A plain GET is told to upgrade; other paths do not upgrade at all.
    @Test(.timeLimit(.minutes(1)))
    func onlyAWebSocketHandshakeOnGetResponsesUpgrades() async throws {
        try await withGateway { harness, client in
            let plain = try await client.request(.GET, "/v1/responses")
            #expect(plain.status == 426, "\(plain.body)")
            #expect(plain.body.contains("websocket_upgrade_required"))
            let connection = try await RawConnection.open(port: Self.port(harness))
            try await connection.send(
                "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer sk-test\r\n\r\n"
            )
            #expect(await connection.waitForText("\r\n\r\n", within: .seconds(5)))
            #expect(connection.text.hasPrefix("HTTP/1.1 200"), "served as plain HTTP: \(connection.text.prefix(200))")
            await connection.close()
        }
    }

    static func realtimeSDKAvailable() async -> Bool {
        (try? await SDKTests.runPython(["-c", "import openai, websockets"]).status) == 0
    }

    /// The official SDK's `client.responses.connect()` (it needs `openai[realtime]`): two
    /// responses on one connection, then a connection closed mid-response, which the gateway ends
    /// as a client that left and whose upstream call it cancels.
    @Test(.enabled("the openai Python SDK with its realtime extra is not installed") {
        SDKTests.sdkRequired ? true : await Self.realtimeSDKAvailable()
    })
    func theOpenAIPythonSDKsConnectWorks() async throws {
        try await withGateway { harness, _ in
            let result = try await SDKTests.runPython(["Tests/SDK/openai_responses_ws_check.py", harness.baseURL])
            #expect(result.status == 0, "\(result.output)")
            let deadline = ContinuousClock.now + .seconds(5)
            while harness.records.all.count < 4, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            #expect(harness.records.all.map(\.status) == [200, 200, 404, 499], "\(harness.records.all.map(\.status))")
            #expect(harness.stub.hangUps.count == 1, "the closed connection's upstream call is cancelled")
        }
    }

    // MARK: - Helpers

    /// What the tests read of a server event.
    struct Event: Sendable, CustomStringConvertible {
        let type: String
        let sequence: Int?
        let responseID: String?
        let streamID: String?
        let status: Int?
        let errorCode: String?
        let errorParam: String?

        var description: String { "\(self.type)\(self.errorCode.map { "(\($0))" } ?? "")" }
    }

    static func summary(_ event: [String: Any]) -> Event {
        let response = event["response"] as? [String: Any]
        let error = event["error"] as? [String: Any]
        return Event(
            type: event["type"] as? String ?? "", sequence: event["sequence_number"] as? Int, responseID: response?["id"] as? String,
            streamID: event["stream_id"] as? String, status: event["status"] as? Int, errorCode: error?["code"] as? String,
            errorParam: error?["param"] as? String
        )
    }

    static func port(_ harness: GatewayHarness) -> Int {
        Int(harness.baseURL.split(separator: ":").last ?? "") ?? 0
    }

    /// A connection's reading and writing, for a test's conversation.
    struct Socket: ~Copyable {
        var messages: WebSocketInboundMessageStream.AsyncIterator
        let outbound: WebSocketOutboundWriter

        func send(_ text: String) async throws {
            try await self.outbound.write(.text(text))
        }

        /// The events up to one that ends a turn: a response's last event, or an `error`.
        mutating func readTurn() async throws -> [[String: Any]] {
            var events: [[String: Any]] = []
            while let message = try await self.messages.next() {
                guard case .text(let text) = message,
                    let event = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
                else {
                    Issue.record("not a JSON text message: \(message)")
                    return events
                }
                events.append(event)
                if let type = event["type"] as? String, ResponsesWebSocketTests.terminalTypes.contains(type) { return events }
            }
            Issue.record("the connection ended mid-turn after \(events.count) events")
            return events
        }
    }

    /// Opens a Responses WebSocket with key `sk-test`, plays `conversation` on it, then closes it.
    static func converse<Result: Sendable>(
        _ harness: GatewayHarness, _ conversation: @escaping @Sendable (inout Socket) async throws -> Result
    ) async throws -> Result {
        let result = Mutex<Result?>(nil)
        let configuration = WebSocketClientConfiguration(additionalHeaders: [.authorization: "Bearer sk-test"])
        try await WebSocketClient.connect(
            url: "ws://127.0.0.1:\(Self.port(harness))/v1/responses", configuration: configuration, logger: Logger(label: "ws-test")
        ) { inbound, outbound, _ in
            var socket = Socket(messages: inbound.messages(maxSize: 1 << 20).makeAsyncIterator(), outbound: outbound)
            let value = try await conversation(&socket)
            result.withLock { $0 = value }
        }
        return try #require(result.withLock { $0 }, "the WebSocket conversation did not finish")
    }
}
