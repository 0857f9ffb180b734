import SluiceCore
import SluiceTranslation
import Testing

@Suite("Reasoning normalised to reasoning_content for OpenAI clients")
struct OpenAIReasoningNormalizerTests {
    private func chunk(_ delta: String, finish: String? = nil) -> String {
        let reason = finish.map { "\"\($0)\"" } ?? "null"
        return #"data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":\#(delta),"finish_reason":\#(reason)}]}"# + "\n\n"
    }

    private func normalized(_ input: String, _ policy: ReasoningPolicy) throws -> [JSONValue] {
        var normalizer = OpenAIReasoningNormalizer(policy: policy)
        return deltas(events(try normalizer.normalize(Array(input.utf8))))
    }

    @Test func reasoningMemberIsRenamed() throws {
        let output = try self.normalized(self.chunk(#"{"reasoning":"hmm"}"#) + self.chunk(#"{"reasoning_content":"!"}"#), .passThrough)
        #expect(output == [json(#"{"reasoning_content":"hmm"}"#), json(#"{"reasoning_content":"!"}"#)])
    }

    @Test func thinkTagsSplitAcrossChunksBecomeReasoningContent() throws {
        let input = self.chunk(#"{"role":"assistant","content":"<th"}"#) + self.chunk(#"{"content":"ink>plan</th"}"#)
            + self.chunk(#"{"content":"ink>answer <"}"#) + self.chunk("{}", finish: "stop") + "data: [DONE]\n\n"
        let output = try self.normalized(input, ReasoningPolicy(parsesThinkTags: true))
        #expect(output.compactMap { $0["reasoning_content"]?.stringValue }.joined() == "plan")
        #expect(output.compactMap { $0["content"]?.stringValue }.joined() == "answer <")
        let stripped = try self.normalized(input, ReasoningPolicy(parsesThinkTags: true, strips: true))
        #expect(stripped.allSatisfy { $0["reasoning_content"] == nil })
        #expect(stripped.compactMap { $0["content"]?.stringValue }.joined() == "answer <")
        var normalizer = OpenAIReasoningNormalizer(policy: ReasoningPolicy(parsesThinkTags: true))
        #expect(events(try normalizer.normalize(Array(input.utf8))).last == OutputEvent(name: nil, data: nil))
    }

    /// Found by Fuzz/ (openai-stream): an event sent as several `data:` lines came out with only
    /// its first line marked as data.
    @Test func anEventOnSeveralDataLinesKeepsThemAll() throws {
        let input = "data: {\"id\":\"c\",\ndata: \"choices\":[{\"index\":0,\"delta\":{\"reasoning\":\"hmm\"}}]}\n\n"
            + "data: {\"id\":\"c\",\ndata: \"object\":\"chat.completion.chunk\"}\n\n"
        for policy in [ReasoningPolicy.passThrough, ReasoningPolicy(parsesThinkTags: true)] {
            var normalizer = OpenAIReasoningNormalizer(policy: policy)
            let output = try normalizer.normalize(Array(input.utf8))
            let data = output.withUnsafeBytes { raw in
                var found: [JSONValue?] = []
                var start = 0
                while let (end, next) = SSEFraming.nextEventEnd(in: raw, from: start) {
                    let event = UnsafeRawBufferPointer(rebasing: raw[start..<end])
                    found.append(try? JSONValue.parseObject(SSEFraming.parse(event).data(in: event)))
                    start = next
                }
                return found
            }
            #expect(data.count == 2)
            #expect(data.first??["choices"]?.arrayValue?.first?["delta"] == json(#"{"reasoning_content":"hmm"}"#))
            #expect(data.last == json(#"{"id":"c","object":"chat.completion.chunk"}"#))
        }
    }

    @Test func completionMessagesAreNormalised() throws {
        let body = #"{"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"<think>plan</think>answer"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}"#
        let result = json(try OpenAIReasoningNormalizer.normalize(openAIChat: Array(body.utf8), policy: ReasoningPolicy(parsesThinkTags: true)))
        #expect(result["choices"]?.arrayValue?.first?["message"] == json(#"{"role":"assistant","content":"answer","reasoning_content":"plan"}"#))
        #expect(result["usage"] == json(#"{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}"#))
    }
}
