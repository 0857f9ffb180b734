import Foundation
import Testing

/// Clients that hold connections without using them: a trickled head (slowloris), a flood of
/// half-sent requests, idle keep-alives, many connections from one address. Each must be closed
/// or refused by the deadlines and caps of `server.*`, while a normal client is served throughout.
@Suite struct ConnectionLimitTests {
    static func settings(_ server: String) -> String {
        """
        server: { host: 127.0.0.1, port: 0, max_request_body: 64KiB, drain_timeout: 2s, \(server) }
        log: { level: info }
        timeouts: { connect: 1s, first_token: 1s, between_tokens: 500ms, request: 5s }
        auth: { api_keys: [sk-test, sk-other] }

        """
    }

    static func port(of harness: GatewayHarness) -> Int {
        Int(harness.baseURL.split(separator: ":").last ?? "") ?? 0
    }

    /// Sends a normal chat request every 100 ms until `stop` returns true, and returns how many
    /// were answered 200 and how many were not.
    static func serveNormalClient(_ client: TestClient, until stop: @Sendable () -> Bool) async -> (served: Int, failed: Int) {
        var served = 0
        var failed = 0
        while !stop() {
            if let reply = try? await client.chat(model: "demo"), reply.status == 200 { served += 1 } else { failed += 1 }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return (served, failed)
    }

    @Test func aTrickledHeadIsCutAtTheHeaderReadTimeoutWhileOthersAreServed() async throws {
        try await withGateway(settings: Self.settings("header_read_timeout: 1s")) { harness, client in
            let slow = try await RawConnection.open(port: Self.port(of: harness))
            let head = Array("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Padding: \(String(repeating: "a", count: 200))\r\n".utf8)
            let started = ContinuousClock.now
            let normal = Task { await Self.serveNormalClient(client) { slow.serverEnded || ContinuousClock.now - started > .seconds(6) } }
            // One byte every 100 ms: every byte arrives well inside any per-read idle timer.
            for byte in head {
                if slow.serverEnded { break }
                try? await slow.send(String(UnicodeScalar(byte)))
                try await Task.sleep(for: .milliseconds(100))
            }
            let cutAfter = ContinuousClock.now - started
            let (served, failed) = await normal.value
            #expect(slow.serverEnded, "the trickling client was never cut")
            #expect(cutAfter < .seconds(3), "cut after \(cutAfter), the header read timeout is 1s")
            #expect(served >= 2 && failed == 0, "normal client: \(served) served, \(failed) failed")
            await slow.close()
        }
    }

    @Test func aFloodOfHalfSentRequestsIsClosedWhileANormalClientIsServed() async throws {
        try await withGateway(settings: Self.settings("header_read_timeout: 1s, body_read_timeout: 1s")) { harness, client in
            let port = Self.port(of: harness)
            var flood: [RawConnection] = []
            for index in 0..<100 {
                let connection = try await RawConnection.open(port: port)
                if index.isMultiple(of: 2) {
                    try await connection.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-test\r\n")
                } else {
                    // A whole head, a body that never comes.
                    try await connection.send(
                        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-test\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"model\":"
                    )
                }
                flood.append(connection)
            }
            let started = ContinuousClock.now
            let connections = flood
            let (served, failed) = await Self.serveNormalClient(client) {
                connections.allSatisfy(\.serverEnded) || ContinuousClock.now - started > .seconds(8)
            }
            let open = flood.filter { !$0.serverEnded }.count
            #expect(open == 0, "\(open) of 100 half-sent requests still hold their connection")
            #expect(served >= 2 && failed == 0, "normal client during the flood: \(served) served, \(failed) failed")
            for connection in flood { await connection.close() }
        }
    }

    @Test func anIdleKeepAliveConnectionIsClosedAfterTheKeepAliveTimeout() async throws {
        try await withGateway(settings: Self.settings("keep_alive_timeout: 1s")) { harness, _ in
            let connection = try await RawConnection.open(port: Self.port(of: harness))
            try await connection.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await connection.waitForText(#"{"status":"ok"}"#, within: .seconds(5)))
            try await Task.sleep(for: .milliseconds(300))
            #expect(!connection.serverEnded, "a kept-alive connection was closed before its timeout")
            // A second request on the same connection restarts the wait.
            try await connection.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await connection.waitForText("200 OK", occurrences: 2, within: .seconds(5)))
            let idleFrom = ContinuousClock.now
            #expect(await connection.waitUntilServerEnds(within: .seconds(4)), "an idle keep-alive connection stayed open")
            #expect(ContinuousClock.now - idleFrom >= .milliseconds(800))
            await connection.close()
        }
    }

    @Test func connectionsPastAnAddressCapAreClosedAtOnce() async throws {
        try await withGateway(settings: Self.settings("max_connections_per_address: 4")) { harness, _ in
            let port = Self.port(of: harness)
            // Five connections from one address with a cap of four: one of them (the last to be set
            // up, which need not be the last to connect) is closed at once, the others stay.
            var connections: [RawConnection] = []
            for _ in 0..<5 { connections.append(try await RawConnection.open(port: port)) }
            let deadline = ContinuousClock.now + .seconds(3)
            while connections.allSatisfy({ !$0.serverEnded }) && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            try await Task.sleep(for: .milliseconds(200))
            let ended = connections.filter(\.serverEnded)
            #expect(ended.count == 1, "\(ended.count) of five connections from one address were closed; the cap is four")
            var held = connections.filter { !$0.serverEnded }
            for connection in ended { await connection.close() }

            // Once one closes, the address may open another, which is served.
            await held.removeFirst().close()
            var admitted: RawConnection?
            for _ in 0..<50 where admitted == nil {
                let candidate = try await RawConnection.open(port: port)
                try await candidate.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
                if await candidate.waitForText("200 OK", within: .milliseconds(500)) { admitted = candidate } else { await candidate.close() }
            }
            #expect(admitted != nil, "no connection was admitted after one within the cap closed")
            await admitted?.close()
            for connection in held { await connection.close() }
        }
    }

    @Test func pastTheGlobalCapNewClientsWaitUntilAConnectionCloses() async throws {
        try await withGateway(settings: Self.settings("max_connections: 3, max_connections_per_address: 3")) { harness, _ in
            let port = Self.port(of: harness)
            var held: [RawConnection] = []
            for _ in 0..<3 {
                let connection = try await RawConnection.open(port: port)
                try await connection.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(await connection.waitForText("200 OK", within: .seconds(5)))
                held.append(connection)
            }
            // The kernel completes the handshake, but the gateway does not accept it yet.
            let waiting = try await RawConnection.open(port: port)
            try await waiting.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(!(await waiting.waitForText("200 OK", within: .milliseconds(500))), "a connection past the global cap was served")
            #expect(!waiting.serverEnded)
            await held.removeFirst().close()
            #expect(await waiting.waitForText("200 OK", within: .seconds(10)), "the waiting client was not served once a connection closed")
            await waiting.close()
            for connection in held { await connection.close() }
        }
    }
}
