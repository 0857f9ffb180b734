import Foundation
import SluiceCore
import Testing

@Suite("A stream whose deployment dies continues on another")
struct StreamResumeTests {
    @Test func theClientSeesOneUninterruptedAnswer() async throws {
        try await withGateway { harness, client in
            let reply = try await client.chat(model: "resumable", stream: true, extra: #","max_tokens":50"#)
            #expect(reply.status == 200)
            #expect(reply.events.last == "[DONE]")
            let chunks = reply.eventObjects
            #expect(chunks.allSatisfy { $0["error"] == nil })
            #expect(Set(chunks.compactMap { $0["id"] as? String }) == ["chatcmpl-123"], "continued events keep the stream's id")
            let deltas = chunks.compactMap { (($0["choices"] as? [[String: Any]])?.first?["delta"]) as? [String: Any] }
            #expect(deltas.compactMap { $0["content"] as? String }.joined() == "Hello there!")
            #expect(deltas.filter { $0["role"] != nil }.count == 1, "the role is announced once")

            let continued = try #require(harness.stub.received.last)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(continued.body.utf8)) as? [String: Any])
            #expect(body["model"] as? String == "continue")
            #expect(body["continue_final_message"] as? Bool == true)
            #expect(body["add_generation_prompt"] as? Bool == false)
            #expect(body["max_tokens"] as? Int == 49, "the limit shrinks by the token already produced")
            let messages = try #require(body["messages"] as? [[String: Any]])
            #expect(messages.count == 2)
            #expect(messages.last?["role"] as? String == "assistant")
            #expect(messages.last?["content"] as? String == "Hello")

            let record = try #require(try await harness.waitForRecords(1).first)
            #expect(record.status == 200)
            #expect(record.attempts == 2)
            #expect(record.deployment == "openai:continue")
            #expect(record.usage?.completionTokens == 3)
        }
    }

    @Test func withoutAnotherDeploymentTheStreamEndsWithItsError() async throws {
        try await withGateway { harness, client in
            let reply = try await client.chat(model: "resumable-alone", stream: true)
            #expect(!reply.events.contains("[DONE]"))
            let error = try #require(reply.eventObjects.last?["error"] as? [String: Any])
            #expect(error["code"] as? String == "stream_interrupted")
            #expect(try await harness.waitForRecords(1).first?.status == 502)
        }
    }

    @Test func theContinuationRequestCarriesTheAnswerSoFar() throws {
        func continuation(_ endpoint: Endpoint, _ body: String, partial: String, tokens: Int) throws -> String? {
            let summary = try body.utf8.withContiguousStorageIfAvailable { try InferenceRequest(endpoint: endpoint, bytes: UnsafeRawBufferPointer($0)) }!
            let bytes = Array(body.utf8).withUnsafeBytes {
                ContinuationRequest.body(of: summary, bytes: $0, partialText: Array(partial.utf8), producedTokens: tokens)
            }
            return bytes.map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(try continuation(.completions, #"{"model":"m","prompt":"Once upon","max_tokens":10}"#, partial: #" a \"time\""#, tokens: 4)
            == #"{"model":"m","prompt":"Once upon a \"time\"","max_tokens":6}"#)
        #expect(try continuation(.completions, #"{"model":"m","prompt":["a","b"]}"#, partial: "x", tokens: 1) == nil)
        #expect(try continuation(.chatCompletions, #"{"model":"m","messages":[{"role":"user","content":"hi"}],"max_completion_tokens":2,"continue_final_message":false}"#, partial: "Hel", tokens: 5)
            == #"{"model":"m","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"Hel"}],"max_completion_tokens":1,"continue_final_message":true,"add_generation_prompt":false}"#)
    }
}
