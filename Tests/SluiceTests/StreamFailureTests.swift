import Foundation
import Testing

@Suite("Streams that go wrong end with an error event the SDKs raise")
struct StreamFailureTests {
    /// The last event of a failed stream: an OpenAI error object, and no `[DONE]` after it.
    private func finalError(_ reply: TestClient.Reply) throws -> [String: Any] {
        #expect(!reply.events.contains("[DONE]"))
        let last = try #require(reply.eventObjects.last)
        return try #require(last["error"] as? [String: Any])
    }

    @Test(arguments: ["stub-cut", "stub-early-end"])
    func aCutStreamEndsWithAnError(model: String) async throws {
        try await withGateway { harness, client in
            let reply = try await client.chat(model: model, stream: true)
            #expect(reply.status == 200)
            #expect(reply.eventObjects.count == 3, "the two chunks that arrived are relayed first")
            let error = try self.finalError(reply)
            #expect(error["type"] as? String == "upstream_error")
            let record = try #require(try await harness.waitForRecords(1).first)
            #expect(record.status == 502)
        }
    }

    @Test func aStallMidStreamEndsWithATimeoutError() async throws {
        try await withGateway { harness, client in
            let started = ContinuousClock.now
            let reply = try await client.chat(model: "stub-stall", stream: true)
            let error = try self.finalError(reply)
            #expect(error["type"] as? String == "timeout_error")
            #expect((error["message"] as? String)?.contains("between tokens") == true)
            #expect(ContinuousClock.now - started < .seconds(4), "the between-token timeout, well before the request's 5 s")
            #expect(try await harness.waitForRecords(1).first?.status == 504)
        }
    }

    @Test func garbageInAStreamEndsItWithAnError() async throws {
        try await withGateway { _, client in
            let reply = try await client.chat(model: "stub-garbage", stream: true)
            let error = try self.finalError(reply)
            #expect((error["message"] as? String)?.contains("not valid JSON") == true)
        }
    }

    @Test func theMockInjectsCutsStallsAndStatuses() async throws {
        try await withGateway { _, client in
            let cut = try await client.chat(model: "mock-cut", stream: true)
            #expect(try self.finalError(cut)["code"] as? String == "stream_interrupted")
            let stall = try await client.chat(model: "mock-stall", stream: true)
            #expect(try self.finalError(stall)["type"] as? String == "timeout_error")
            let unavailable = try await client.chat(model: "mock-503")
            #expect(unavailable.status == 502)
        }
    }
}
