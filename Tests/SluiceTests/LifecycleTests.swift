import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

@Suite("Cancellation and shutdown")
struct LifecycleTests {
    @Test func aClientDisconnectClosesTheUpstreamConnectionWithin100ms() async throws {
        try await withGateway { harness, client in
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

            var hangUp: ContinuousClock.Instant?
            for _ in 0..<100 where hangUp == nil {
                hangUp = harness.stub.hangUps.first
                if hangUp == nil { try await Task.sleep(for: .milliseconds(5)) }
            }
            let delay = try #require(hangUp) - disconnected
            #expect(delay < .milliseconds(100), "upstream saw the close after \(delay)")
            let record = try #require(try await harness.waitForRecords(1).first)
            #expect(record.status == 499)
        }
    }

    @Test func gracefulShutdownLetsAnInFlightStreamFinishAndTurnsReadinessOff() async throws {
        let harness = try await GatewayHarness.start()
        let client = TestClient(baseURL: harness.baseURL)
        let stream = Task { try await client.chat(model: "mock-slow", stream: true) }
        try await Task.sleep(for: .milliseconds(100))
        await harness.beginShutdown()
        for _ in 0..<200 where !harness.gateway.state.isDraining {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(harness.gateway.state.isDraining)
        let reply = try await stream.value
        #expect(reply.status == 200)
        #expect(reply.events.last == "[DONE]", "the stream that was in flight finished")
        #expect(reply.eventObjects.count == 12)
        await client.shutdown()
        await harness.stop()
    }
}
