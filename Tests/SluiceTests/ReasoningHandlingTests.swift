import Foundation
import Testing

@Suite("Reasoning from OpenAI-compatible servers, normalised or stripped per deployment")
struct ReasoningHandlingTests {
    private func deltas(_ reply: TestClient.Reply) -> (reasoning: String, content: String) {
        let deltas = reply.eventObjects.compactMap { (($0["choices"] as? [[String: Any]])?.first?["delta"]) as? [String: Any] }
        return (deltas.compactMap { $0["reasoning_content"] as? String }.joined(), deltas.compactMap { $0["content"] as? String }.joined())
    }

    @Test func thinkTagsSplitAcrossChunksBecomeReasoningContent() async throws {
        try await withGateway { _, client in
            let streamed = try await client.chat(model: "reasoning-normalized", stream: true)
            #expect(streamed.events.last == "[DONE]")
            #expect(self.deltas(streamed).reasoning == "plan")
            #expect(self.deltas(streamed).content == "Answer")

            let whole = try await client.chat(model: "reasoning-normalized")
            let body = try #require(try JSONSerialization.jsonObject(with: Data(whole.body.utf8)) as? [String: Any])
            let message = try #require((body["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])
            #expect(message["reasoning_content"] as? String == "plan")
            #expect(message["content"] as? String == "Answer")
        }
    }

    @Test func aDeploymentCanStripReasoning() async throws {
        try await withGateway { _, client in
            let streamed = try await client.chat(model: "reasoning-stripped", stream: true)
            #expect(self.deltas(streamed).reasoning == "")
            #expect(self.deltas(streamed).content == "Answer")
            #expect(!streamed.body.contains("plan"))
            let whole = try await client.chat(model: "reasoning-stripped")
            #expect(!whole.body.contains("plan"))
            #expect(whole.body.contains("Answer"))

            // A translated backend (Gemini's thought parts) too.
            for stream in [false, true] {
                let gemini = try await client.chat(model: "gemini-stripped", stream: stream)
                #expect(gemini.status == 200)
                #expect(!gemini.body.contains("Greeting the user"))
                #expect(!gemini.body.contains("reasoning_content"))
            }
        }
    }
}
