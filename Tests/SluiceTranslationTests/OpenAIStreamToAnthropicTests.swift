import SluiceCore
import SluiceTranslation
import Testing

@Suite("OpenAI chunks to Anthropic stream")
struct OpenAIStreamToAnthropicTests {
    private func translate(_ input: String, reasoning: ReasoningPolicy = .passThrough, cuts: [Int] = []) throws -> (output: [OutputEvent], translator: OpenAIStreamToAnthropic) {
        var translator = OpenAIStreamToAnthropic(publicModel: "public-model", reasoning: reasoning)
        let bytes = try feed(&translator, Array(input.utf8), cuts: cuts) { try $0.translate($1) }
        return (events(bytes), translator)
    }

    private func chunk(_ delta: String, finish: String? = nil) -> String {
        let reason = finish.map { "\"\($0)\"" } ?? "null"
        return #"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":\#(delta),"finish_reason":\#(reason)}]}"# + "\n\n"
    }

    @Test func toolCallStreamBecomesAToolUseBlockWithInputJSONDeltas() throws {
        let (output, translator) = try self.translate(Fixtures.openAIToolCallStream)
        #expect(output.map(\.name) == ["message_start", "content_block_start"] + Array(repeating: "content_block_delta", count: 7) + ["content_block_stop", "message_delta", "message_stop"])
        #expect(output[0].data == json(#"{"type":"message_start","message":{"id":"chatcmpl-9lUDGMjNO4Qi8ZyKd4bQiRv7mcBj0","type":"message","role":"assistant","model":"public-model","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0}}}"#))
        #expect(output[1].data == json(#"{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"call_DdmO9pD3xa9XTPNJ32zg2hcA","name":"get_weather","input":{}}}"#))
        let fragments = ["{\"", "location", "\":\"", "Paris", ",", " France", "\"}"]
        for (offset, fragment) in fragments.enumerated() {
            #expect(output[2 + offset].data == ["type": "content_block_delta", "index": 0, "delta": ["type": "input_json_delta", "partial_json": .string(fragment)]])
        }
        #expect(output[9].data == json(#"{"type":"content_block_stop","index":0}"#))
        #expect(output[10].data == json(#"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"input_tokens":18,"cache_creation_input_tokens":0,"cache_read_input_tokens":64,"output_tokens":17}}"#))
        #expect(output[11].data == json(#"{"type":"message_stop"}"#))
        #expect(translator.isComplete)
        #expect(translator.usage == Usage(promptTokens: 82, completionTokens: 17, cachedPromptTokens: 64))
    }

    @Test func textReasoningAndParallelToolCallsEachGetTheirBlock() throws {
        let input = self.chunk(#"{"role":"assistant","content":""}"#)
            + self.chunk(#"{"reasoning_content":"Think"}"#) + self.chunk(#"{"reasoning":"ing."}"#)
            + self.chunk(#"{"content":"Hi"}"#) + self.chunk(#"{"content":" there"}"#)
            + self.chunk(#"{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"a","arguments":"{}"}}]}"#)
            + self.chunk(#"{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"b","arguments":""}}]}"#)
            + self.chunk(#"{"tool_calls":[{"index":1,"id":"call_b","function":{"arguments":"{\"x\":1}"}}]}"#)
            + self.chunk("{}", finish: "tool_calls") + "data: [DONE]\n\n"
        let (output, _) = try self.translate(input)
        let starts = output.filter { $0.name == "content_block_start" }.compactMap { $0.data }
        #expect(starts.map { $0["index"] } == [0, 1, 2, 3])
        #expect(starts.map { $0["content_block"]?["type"] } == ["thinking", "text", "tool_use", "tool_use"])
        #expect(starts[3]["content_block"]?["id"] == "call_b")
        let deltaEvents = output.filter { $0.name == "content_block_delta" }.compactMap { $0.data }
        #expect(deltaEvents.map { $0["index"] } == [0, 0, 1, 1, 2, 3])
        #expect(deltaEvents.map { $0["delta"] } == [
            ["type": "thinking_delta", "thinking": "Think"], ["type": "thinking_delta", "thinking": "ing."],
            ["type": "text_delta", "text": "Hi"], ["type": "text_delta", "text": " there"],
            ["type": "input_json_delta", "partial_json": "{}"], ["type": "input_json_delta", "partial_json": #"{"x":1}"#],
        ])
        #expect(output.filter { $0.name == "content_block_stop" }.compactMap { $0.data?["index"] } == [0, 1, 2, 3])
    }

    @Test func thinkTagsSplitAcrossChunksBecomeAThinkingBlock() throws {
        let input = self.chunk(#"{"content":"<th"}"#) + self.chunk(#"{"content":"ink>plan</thi"}"#) + self.chunk(#"{"content":"nk>answer"}"#)
            + self.chunk("{}", finish: "stop") + "data: [DONE]\n\n"
        let (output, _) = try self.translate(input, reasoning: ReasoningPolicy(parsesThinkTags: true))
        let deltaEvents = output.filter { $0.name == "content_block_delta" }.compactMap { $0.data?["delta"] }
        #expect(deltaEvents == [["type": "thinking_delta", "thinking": "plan"], ["type": "text_delta", "text": "answer"]])
        let (stripped, _) = try self.translate(input, reasoning: ReasoningPolicy(parsesThinkTags: true, strips: true))
        #expect(stripped.filter { $0.name == "content_block_delta" }.compactMap { $0.data?["delta"] } == [["type": "text_delta", "text": "answer"]])
    }

    @Test func everySplitPointGivesTheSameOutput() throws {
        let fixture = Fixtures.openAIToolCallStream
        func translated(cuts: [Int]) throws -> [UInt8] {
            var translator = OpenAIStreamToAnthropic(publicModel: "m")
            return try feed(&translator, Array(fixture.utf8), cuts: cuts) { try $0.translate($1) }
        }
        let whole = try translated(cuts: [])
        for cut in 0...fixture.utf8.count {
            #expect(try translated(cuts: [cut]) == whole, "split at byte \(cut)")
        }
    }

    @Test func reasoningStreamSplitAtEveryByteGivesTheSameOutput() throws {
        let input = self.chunk(#"{"role":"assistant","content":""}"#) + self.chunk(#"{"content":"<think>a \"b\" é"}"#)
            + self.chunk(#"{"content":"</think>Answer: 😀"}"#) + self.chunk(#"{"tool_calls":[{"index":0,"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]}"#)
            + self.chunk("{}", finish: "tool_calls") + #"data: {"id":"c","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":7}}"# + "\r\n\r\n" + "data: [DONE]\n\n"
        let policy = ReasoningPolicy(parsesThinkTags: true)
        func translated(cuts: [Int]) throws -> [UInt8] {
            var translator = OpenAIStreamToAnthropic(publicModel: "m", reasoning: policy)
            return try feed(&translator, Array(input.utf8), cuts: cuts) { try $0.translate($1) }
        }
        let whole = try translated(cuts: [])
        let output = events(whole)
        #expect(output.filter { $0.name == "content_block_delta" }.compactMap { $0.data?["delta"] } == [
            ["type": "thinking_delta", "thinking": "a \"b\" é"], ["type": "text_delta", "text": "Answer: 😀"], ["type": "input_json_delta", "partial_json": "{}"],
        ])
        #expect(output.last?.name == "message_stop")
        for cut in 0...input.utf8.count {
            #expect(try translated(cuts: [cut]) == whole, "split at byte \(cut)")
        }
    }

    @Test func interleavedParallelToolCallsNeverGetADeltaAfterTheirStop() throws {
        // The chunk format lets a server interleave the argument fragments of parallel calls.
        let input = self.chunk(#"{"content":"Checking."}"#)
            + self.chunk(#"{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"a","arguments":""}}]}"#)
            + self.chunk(#"{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"b","arguments":"{\"y\":"}}]}"#)
            + self.chunk(#"{"tool_calls":[{"index":0,"function":{"arguments":"{\"x\":"}}]}"#)
            + self.chunk(#"{"tool_calls":[{"index":1,"function":{"arguments":"\"\u00e9\\\"\"}"}}]}"#)
            + self.chunk(#"{"tool_calls":[{"index":0,"function":{"arguments":"1}"}}]}"#)
            + self.chunk("{}", finish: "tool_calls") + "data: [DONE]\n\n"
        let (output, _) = try self.translate(input)
        var stopped: Set<Int> = []
        var inputs: [Int: String] = [:]
        for event in output {
            guard let index = event.data?["index"]?.intValue else { continue }
            switch event.name {
            case "content_block_stop": stopped.insert(index)
            case "content_block_delta":
                #expect(!stopped.contains(index), "a delta for block \(index) after its stop: \(event)")
                inputs[index, default: ""] += event.data?["delta"]?["partial_json"]?.stringValue ?? ""
            default: break
            }
        }
        let starts = output.filter { $0.name == "content_block_start" }.compactMap { $0.data?["content_block"] }
        #expect(starts.map { $0["id"] ?? $0["type"] } == ["text", "call_a", "call_b"])
        #expect(stopped == [0, 1, 2])
        #expect(inputs[1].map { json($0) } == json(#"{"x":1}"#))
        #expect(inputs[2].map { json($0) } == json(#"{"y":"é\""}"#))
    }

    @Test func aMatchedStopStringEndsWithStopSequence() throws {
        let input = self.chunk(#"{"content":"Hi"}"#)
            + #"data: {"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"stop","stop_reason":"END"}]}"# + "\n\n" + "data: [DONE]\n\n"
        let (output, _) = try self.translate(input)
        #expect(output.first { $0.name == "message_delta" }?.data?["delta"] == ["stop_reason": "stop_sequence", "stop_sequence": "END"])
    }

    @Test func errorEventBecomesAnAnthropicErrorEvent() throws {
        let (output, translator) = try self.translate(#"data: {"error":{"message":"Rate limit reached","type":"rate_limit_error","code":null}}"# + "\n\n")
        #expect(output == [OutputEvent(name: "error", data: json(#"{"type":"error","error":{"type":"api_error","message":"Rate limit reached"}}"#))])
        #expect(translator.upstreamError?.message == "Rate limit reached")
        #expect(!translator.isComplete)
    }
}
