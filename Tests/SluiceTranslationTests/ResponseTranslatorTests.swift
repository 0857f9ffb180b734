import SluiceCore
import SluiceTranslation
import Testing

@Suite("Non-streamed responses")
struct ResponseTranslatorTests {
    @Test func anthropicToolUseMessageBecomesAnOpenAICompletion() throws {
        let result = try AnthropicResponseTranslator.translate(
            anthropicMessage: Array(Fixtures.anthropicToolUseMessage.utf8), publicModel: "claude-public", created: 1_700_000_000)
        #expect(json(result.body) == json("""
            {"id":"msg_01Aq9w938a90dw8q","object":"chat.completion","created":1700000000,"model":"claude-public",
             "choices":[{"index":0,"logprobs":null,"finish_reason":"tool_calls","message":{"role":"assistant",
               "content":"I'll check the current weather in San Francisco for you.","refusal":null,
               "tool_calls":[{"id":"toolu_01A09q90qw90lq917835lq9","type":"function",
                 "function":{"name":"get_weather","arguments":"{\\"location\\":\\"San Francisco, CA\\",\\"unit\\":\\"celsius\\"}"}}]}}],
             "usage":{"prompt_tokens":4105,"completion_tokens":503,"total_tokens":4608,"prompt_tokens_details":{"cached_tokens":2000,"cache_write_tokens":10}}}
            """))
        #expect(result.usage == Usage(promptTokens: 4105, completionTokens: 503, cachedPromptTokens: 2000, cacheWritePromptTokens: 10))
    }

    @Test func thinkingIsKeptWholeForTheNextTurn() throws {
        let message = """
            {"id":"msg_1","type":"message","role":"assistant","model":"claude","stop_reason":"end_turn","stop_sequence":null,
             "content":[{"type":"thinking","thinking":"Let me think","signature":"WaUjzkyp=="},{"type":"redacted_thinking","data":"EmwKAhgBEgy3va3pzix"},{"type":"text","text":"Answer"}],
             "usage":{"input_tokens":10,"output_tokens":20}}
            """
        let result = try AnthropicResponseTranslator.translate(anthropicMessage: Array(message.utf8), publicModel: "p", created: 0)
        let reply = json(result.body)["choices"]?.arrayValue?.first?["message"]
        #expect(reply?["reasoning_content"] == "Let me think")
        #expect(reply?["thinking_blocks"] == json(#"{"b":[{"type":"thinking","thinking":"Let me think","signature":"WaUjzkyp=="},{"type":"redacted_thinking","data":"EmwKAhgBEgy3va3pzix"}]}"#)["b"])
        #expect(reply?["content"] == "Answer")
        let stripped = try AnthropicResponseTranslator.translate(anthropicMessage: Array(message.utf8), publicModel: "p", created: 0, stripsReasoning: true)
        let strippedReply = json(stripped.body)["choices"]?.arrayValue?.first?["message"]
        #expect(strippedReply?["reasoning_content"] == nil)
        #expect(strippedReply?["thinking_blocks"] == nil)
    }

    @Test(arguments: [
        ("end_turn", "stop"), ("stop_sequence", "stop"), ("max_tokens", "length"), ("tool_use", "tool_calls"),
        ("refusal", "content_filter"), ("pause_turn", "stop"), ("model_context_window_exceeded", "length"),
    ])
    func stopReasonsMapToFinishReasons(stopReason: String, finishReason: String) {
        #expect(StopReasonMapping.finishReason(forStopReason: stopReason) == finishReason)
    }

    @Test(arguments: [("stop", "end_turn"), ("length", "max_tokens"), ("tool_calls", "tool_use"), ("function_call", "tool_use"), ("content_filter", "refusal")])
    func finishReasonsMapToStopReasons(finishReason: String, stopReason: String) {
        #expect(StopReasonMapping.stopReason(forFinishReason: finishReason) == stopReason)
    }

    @Test func openAIToolCallCompletionBecomesAnAnthropicMessage() throws {
        let result = try OpenAIResponseTranslator.translate(openAIChat: Array(Fixtures.openAIToolCallCompletion.utf8), publicModel: "public")
        #expect(json(result.body) == json("""
            {"id":"chatcmpl-abc123","type":"message","role":"assistant","model":"public",
             "content":[{"type":"tool_use","id":"call_abc123","name":"get_current_weather","input":{"location":"Boston, MA"}}],
             "stop_reason":"tool_use","stop_sequence":null,
             "usage":{"input_tokens":82,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":17}}
            """))
        #expect(result.usage == Usage(promptTokens: 82, completionTokens: 17))
    }

    @Test func reasoningInAnyShapeBecomesAThinkingBlock() throws {
        func content(_ message: String, _ policy: ReasoningPolicy = .passThrough) throws -> JSONValue? {
            let body = #"{"id":"c","choices":[{"index":0,"message":\#(message),"finish_reason":"stop"}]}"#
            return json(try OpenAIResponseTranslator.translate(openAIChat: Array(body.utf8), publicModel: "p", reasoning: policy).body)["content"]
        }
        let expected = json(#"{"c":[{"type":"thinking","thinking":"hmm","signature":""},{"type":"text","text":"yes"}]}"#)["c"]
        #expect(try content(#"{"role":"assistant","reasoning_content":"hmm","content":"yes"}"#) == expected)
        #expect(try content(#"{"role":"assistant","reasoning":"hmm","content":"yes"}"#) == expected)
        #expect(try content(#"{"role":"assistant","content":"<think>hmm</think>yes"}"#, ReasoningPolicy(parsesThinkTags: true)) == expected)
        #expect(try content(#"{"role":"assistant","content":"hmm</think>yes"}"#, ReasoningPolicy(parsesThinkTags: true, startsInsideThinkTag: true)) == expected)
        #expect(try content(#"{"role":"assistant","content":"<think>hmm</think>yes"}"#, ReasoningPolicy(parsesThinkTags: true, strips: true))
            == json(#"{"c":[{"type":"text","text":"yes"}]}"#)["c"])
        #expect(try content(#"{"role":"assistant","content":"<think>hmm</think>yes"}"#) == json(#"{"c":[{"type":"text","text":"<think>hmm</think>yes"}]}"#)["c"])
    }

    @Test func refusalEndsWithTheRefusalStopReason() throws {
        let body = #"{"id":"c","choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":"I can't help with that."},"finish_reason":"stop"}]}"#
        let message = json(try OpenAIResponseTranslator.translate(openAIChat: Array(body.utf8), publicModel: "p").body)
        #expect(message["content"] == json(#"{"c":[{"type":"text","text":"I can't help with that."}]}"#)["c"])
        #expect(message["stop_reason"] == "refusal")
    }

    @Test func unreadableUpstreamBodiesAre502s() {
        for body in ["{", #"{"type":"error"}"#] {
            do {
                _ = try AnthropicResponseTranslator.translate(anthropicMessage: Array(body.utf8), publicModel: "p", created: 0)
                Issue.record("translated \(body)")
            } catch {
                #expect(error.status == 502)
                #expect(error.gatewayError.status == 502)
            }
        }
    }
}
