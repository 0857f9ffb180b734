import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

@Suite("Cancellation and shutdown")
struct LifecycleTests {
    /// Three disconnects one after another: each must reach the upstream within 250 ms, which
    /// leaves room for a loaded CI machine (alone, each takes a few milliseconds).
    @Test func everyClientDisconnectClosesTheUpstreamConnectionWithin250ms() async throws {
        try await withGateway { harness, client in
            var delays: [Duration] = []
            for round in 1...3 {
                let disconnected = try await self.disconnectMidStream(harness: harness, client: client)
                var hangUp: ContinuousClock.Instant?
                for _ in 0..<2000 where hangUp == nil {
                    hangUp = harness.stub.hangUps.count >= round ? harness.stub.hangUps[round - 1] : nil
                    if hangUp == nil { try await Task.sleep(for: .milliseconds(5)) }
                }
                delays.append(try #require(hangUp) - disconnected)
            }
            #expect(delays.allSatisfy { $0 < .milliseconds(250) }, "upstream saw the closes after \(delays)")
            let records = try await harness.waitForRecords(3)
            #expect(records.map(\.status) == [499, 499, 499])
        }
    }

    /// Starts a stream, reads its first chunk, hangs up, and returns when it hung up.
    private func disconnectMidStream(harness: GatewayHarness, client: TestClient) async throws -> ContinuousClock.Instant {
        var request = HTTPClientRequest(url: harness.baseURL + "/v1/chat/completions")
        request.method = .POST
        request.headers.add(name: "authorization", value: "Bearer sk-test")
        request.body = .bytes(ByteBuffer(string: #"{"model":"stub-slow-stream","stream":true,"messages":[{"role":"user","content":"go"}]}"#))
        let http = client.http
        let (firstChunk, signal) = AsyncStream.makeStream(of: Void.self)
        let reader = Task {
            let response = try await http.execute(request, timeout: .seconds(30))
            for try await _ in response.body {
                signal.yield()
            }
        }
        var iterator = firstChunk.makeAsyncIterator()
        _ = await iterator.next()
        let disconnected = ContinuousClock.now
        reader.cancel()
        _ = await reader.result
        return disconnected
    }

    @Test func gracefulShutdownLetsAnInFlightStreamFinishAndTurnsReadinessOff() async throws {
        let harness = try await GatewayHarness.start()
        var request = HTTPClientRequest(url: harness.baseURL + "/v1/chat/completions")
        request.method = .POST
        request.headers.add(name: "authorization", value: "Bearer sk-test")
        request.body = .bytes(ByteBuffer(string: #"{"model":"mock-slow","stream":true,"messages":[{"role":"user","content":"go"}]}"#))
        let (started, signal) = AsyncStream.makeStream(of: Void.self)
        let stream = Task {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            var text = ""
            for try await chunk in response.body {
                text += String(buffer: chunk)
                signal.yield()
            }
            return text
        }
        var iterator = started.makeAsyncIterator()
        _ = await iterator.next()
        await harness.beginShutdown()
        for _ in 0..<2000 where !harness.gateway.state.isDraining {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(harness.gateway.state.isDraining)
        let reply = TestClient.Reply(status: 200, headers: [:], body: try await stream.value)
        #expect(reply.events.last == "[DONE]", "the stream that was in flight finished")
        #expect(reply.eventObjects.count == 22)
        await harness.stop()
    }
}
