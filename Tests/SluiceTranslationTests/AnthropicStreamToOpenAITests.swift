import SluiceCore
import SluiceTranslation
import Testing

@Suite("Anthropic stream to OpenAI chunks")
struct AnthropicStreamToOpenAITests {
    private func translate(_ fixture: String, includeUsage: Bool = false, cuts: [Int] = []) throws -> (output: [OutputEvent], translator: AnthropicStreamToOpenAI) {
        var translator = AnthropicStreamToOpenAI(publicModel: "claude-public", created: 1_700_000_000, includeUsage: includeUsage)
        let bytes = try feed(&translator, Array(fixture.utf8), cuts: cuts) { try $0.translate($1) }
        return (events(bytes), translator)
    }

    @Test func textStreamBecomesContentChunksThenStopAndDone() throws {
        let (output, translator) = try self.translate(Fixtures.anthropicTextStream, includeUsage: true)
        #expect(output.count == 6)
        let first = try #require(output.first?.data)
        #expect(first["id"] == "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY")
        #expect(first["object"] == "chat.completion.chunk")
        #expect(first["created"] == 1_700_000_000)
        #expect(first["model"] == "claude-public")
        #expect(deltas(output) == [json(#"{"role":"assistant","content":""}"#), json(#"{"content":"Hello"}"#), json(#"{"content":"!"}"#), json("{}")])
        #expect(output[3].data?["choices"]?.arrayValue?.first?["finish_reason"] == "stop")
        #expect(output[0].data?["choices"]?.arrayValue?.first?["finish_reason"] == .null)
        #expect(output[4].data?["choices"] == [])
        #expect(output[4].data?["usage"] == json(#"{"prompt_tokens":25,"completion_tokens":15,"total_tokens":40,"prompt_tokens_details":{"cached_tokens":0}}"#))
        #expect(output[5] == OutputEvent(name: nil, data: nil))
        #expect(translator.isComplete)
        #expect(translator.usage == Usage(promptTokens: 25, completionTokens: 15))
    }

    @Test func usageChunkOnlyWhenAsked() throws {
        let (output, translator) = try self.translate(Fixtures.anthropicTextStream, includeUsage: false)
        #expect(output.count == 5)
        #expect(output.allSatisfy { $0.data?["usage"] == nil })
        #expect(translator.usage?.completionTokens == 15)
    }

    @Test func toolUseStreamsAsOpenAIToolCallFragments() throws {
        let (output, translator) = try self.translate(Fixtures.anthropicToolUseStream)
        let all = deltas(output)
        let text = all.compactMap { $0["content"]?.stringValue }.joined()
        #expect(text == "Okay, let's check the weather for San Francisco, CA:")
        let fragments = all.compactMap { $0["tool_calls"]?.arrayValue?.first }
        #expect(fragments.first == json(#"{"index":0,"id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","type":"function","function":{"name":"get_weather","arguments":""}}"#))
        let expectedArguments = [#"{"location":"#, #" "San"#, " Francisc", "o,", #" CA""#, ", ", #""unit": "fah"#, #"renheit"}"#]
        #expect(fragments.dropFirst().map { $0 } == expectedArguments.map { JSONValue.object([(key: "index", value: 0), (key: "function", value: ["arguments": .string($0)])]) })
        let arguments = fragments.compactMap { $0["function"]?["arguments"]?.stringValue }.joined()
        #expect(json(arguments) == json(#"{"location": "San Francisco, CA", "unit": "fahrenheit"}"#))
        #expect(output.last == OutputEvent(name: nil, data: nil))
        #expect(output[output.count - 2].data?["choices"]?.arrayValue?.first?["finish_reason"] == "tool_calls")
        #expect(translator.usage == Usage(promptTokens: 472, completionTokens: 89))
    }

    @Test func thinkingBecomesReasoningContentAndASignedThinkingBlock() throws {
        let (output, _) = try self.translate(Fixtures.anthropicThinkingStream)
        let all = deltas(output)
        let reasoning = all.compactMap { $0["reasoning_content"]?.stringValue }.joined()
        let expectedThinking = "I need to find the GCD of 1071 and 462 using the Euclidean algorithm.\n\n1071 = 2 × 462 + 147\n462 = 3 × 147 + 21\n147 = 7 × 21 + 0\n\nSo GCD(1071, 462) = 21"
        #expect(reasoning == expectedThinking)
        let blocks = all.compactMap { $0["thinking_blocks"]?.arrayValue }.flatMap { $0 }
        #expect(blocks == [["type": "thinking", "thinking": .string(expectedThinking), "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds..."]])
        #expect(all.compactMap { $0["content"]?.stringValue }.joined() == "The greatest common divisor of 1071 and 462 is **21**.")
    }

    @Test func parallelToolUseBlocksBecomeToolCallsZeroAndOne() throws {
        let stream = """
            event: message_start
            data: {"type":"message_start","message":{"id":"msg_2","type":"message","role":"assistant","content":[],"model":"c","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":10,"cache_read_input_tokens":90,"cache_creation_input_tokens":5,"output_tokens":1}}}

            event: content_block_start
            data: {"type":"content_block_start","index":0,"content_block":{"type":"redacted_thinking","data":"EmwKAhgB"}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":0}

            event: content_block_start
            data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_a","name":"a","input":{}}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{}"}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":1}

            event: content_block_start
            data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_b","name":"b","input":{}}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\\\"x\\\":"}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"1}"}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":2}

            event: message_delta
            data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":30}}

            event: message_stop
            data: {"type":"message_stop"}


            """
        let (output, translator) = try self.translate(stream, includeUsage: true)
        #expect(deltas(output).dropFirst().map { $0 } == [
            json(#"{"thinking_blocks":[{"type":"redacted_thinking","data":"EmwKAhgB"}]}"#),
            json(#"{"tool_calls":[{"index":0,"id":"toolu_a","type":"function","function":{"name":"a","arguments":""}}]}"#),
            json(#"{"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]}"#),
            json(#"{"tool_calls":[{"index":1,"id":"toolu_b","type":"function","function":{"name":"b","arguments":""}}]}"#),
            json(#"{"tool_calls":[{"index":1,"function":{"arguments":"{\"x\":"}}]}"#),
            json(#"{"tool_calls":[{"index":1,"function":{"arguments":"1}"}}]}"#),
            json("{}"),
        ])
        #expect(translator.usage == Usage(promptTokens: 105, completionTokens: 30, cachedPromptTokens: 90, cacheWritePromptTokens: 5))
        #expect(output.first { $0.data?["usage"] != nil }?.data?["usage"] == json(#"{"prompt_tokens":105,"completion_tokens":30,"total_tokens":135,"prompt_tokens_details":{"cached_tokens":90,"cache_write_tokens":5}}"#))
    }

    @Test func strippedReasoningLeavesOnlyTheAnswer() throws {
        var translator = AnthropicStreamToOpenAI(publicModel: "m", created: 0, includeUsage: false, stripsReasoning: true)
        let output = events(try translator.translate(Array(Fixtures.anthropicThinkingStream.utf8)))
        #expect(deltas(output).allSatisfy { $0["reasoning_content"] == nil && $0["thinking_blocks"] == nil })
        #expect(deltas(output).compactMap { $0["content"]?.stringValue }.joined() == "The greatest common divisor of 1071 and 462 is **21**.")
    }

    @Test(arguments: ["text", "tool use", "thinking"])
    func everySplitPointGivesTheSameOutput(stream: String) throws {
        let fixture = ["text": Fixtures.anthropicTextStream, "tool use": Fixtures.anthropicToolUseStream, "thinking": Fixtures.anthropicThinkingStream][stream]!
        func translated(cuts: [Int]) throws -> [UInt8] {
            var translator = AnthropicStreamToOpenAI(publicModel: "m", created: 0, includeUsage: true)
            return try feed(&translator, Array(fixture.utf8), cuts: cuts) { try $0.translate($1) }
        }
        let whole = try translated(cuts: [])
        for cut in 0...fixture.utf8.count {
            #expect(try translated(cuts: [cut]) == whole, "split at byte \(cut)")
        }
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<50 {
            let cuts = (0..<8).map { _ in Int.random(in: 0...fixture.utf8.count, using: &generator) }
            #expect(try translated(cuts: cuts) == whole, "split at \(cuts)")
        }
    }

    @Test func errorEventBecomesAnOpenAIErrorEvent() throws {
        let (output, translator) = try self.translate(Fixtures.anthropicErrorEvent)
        #expect(output == [OutputEvent(name: nil, data: json(#"{"error":{"message":"Overloaded","type":"server_error","param":null,"code":"overloaded_error"}}"#))])
        #expect(translator.upstreamError?.status == 503)
        #expect(!translator.isComplete)
    }

    @Test func aStreamCutShortIsNotComplete() throws {
        let cut = String(Fixtures.anthropicTextStream.prefix(600))
        let (_, translator) = try self.translate(cut)
        #expect(!translator.isComplete)
    }

    @Test func invalidJSONIsAnUpstreamFailure() {
        var translator = AnthropicStreamToOpenAI(publicModel: "m", created: 0, includeUsage: false)
        #expect(throws: TranslationError.self) { try translator.translate(Array("event: content_block_delta\ndata: {nope\n\n".utf8)) }
    }
}
