import SluiceCore
import SluiceTranslation
import Testing

@Suite("OpenAI chat and Bedrock Converse, both ways")
struct BedrockTranslatorTests {
    private func translate(_ body: String) throws(TranslationError) -> JSONValue {
        json(try BedrockRequestTranslator.translate(openAIChat: Array(body.utf8), model: "amazon.nova-pro-v1:0"))
    }

    @Test func aConversationWithToolsAndAnImageBecomesConverseTurns() throws {
        let request = try self.translate("""
            {"model":"gpt-public","messages":[
              {"role":"system","content":"You are terse."},
              {"role":"user","content":[{"type":"text","text":"Weather here?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"low"}}]},
              {"role":"assistant","content":"Checking.","tool_calls":[
                {"id":"tooluse_1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]},
              {"role":"tool","tool_call_id":"tooluse_1","content":"18C"},
              {"role":"user","content":"Thanks"}
            ],
            "tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],
            "tool_choice":{"type":"function","function":{"name":"get_weather"}},
            "max_completion_tokens":300,"temperature":0.5,"top_p":0.9,"stop":["END"],"stream":true,"user":"u-42"}
            """)
        #expect(request == json("""
            {"messages":[
               {"role":"user","content":[{"text":"Weather here?"},{"image":{"format":"png","source":{"bytes":"iVBORw0KGgo="}}}]},
               {"role":"assistant","content":[{"text":"Checking."},{"toolUse":{"toolUseId":"tooluse_1","name":"get_weather","input":{"city":"Paris"}}}]},
               {"role":"user","content":[{"toolResult":{"toolUseId":"tooluse_1","content":[{"text":"18C"}]}},{"text":"Thanks"}]}],
             "system":[{"text":"You are terse."}],
             "inferenceConfig":{"maxTokens":300,"temperature":0.5,"topP":0.9,"stopSequences":["END"]},
             "toolConfig":{"tools":[{"toolSpec":{"name":"get_weather","description":"Current weather","inputSchema":{"json":{"type":"object","properties":{"city":{"type":"string"}}}}}}],
                           "toolChoice":{"tool":{"name":"get_weather"}}}}
            """))
    }

    @Test(arguments: [(#""auto""#, #"{"auto":{}}"#), (#""required""#, #"{"any":{}}"#)])
    func toolChoices(choice: String, expected: String) throws {
        let request = try self.translate(#"{"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":\#(choice)}"#)
        #expect(request["toolConfig"]?["toolChoice"] == json(expected))
    }

    @Test(arguments: [
        (#""n":2"#, "n"),
        (#""logprobs":true"#, "logprobs"),
        (#""reasoning_effort":"high""#, "reasoning_effort"),
        (#""seed":7"#, "seed"),
        (#""tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"none""#, "tool_choice"),
        (#""messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]}]"#, "messages[0].content[0].image_url.url"),
    ])
    func inexpressibleRequestsAreRefusedNamingTheParameter(member: String, param: String) {
        let body = member.hasPrefix(#""messages""#) ? "{\(member)}" : #"{"messages":[{"role":"user","content":"hi"}],\#(member)}"#
        let error = #expect(throws: TranslationError.self) { try self.translate(body) }
        #expect(error?.status == 400)
        #expect(error?.param == param)
    }

    @Test func aConverseResponseBecomesAChatCompletion() throws {
        let body = #"""
            {"output":{"message":{"role":"assistant","content":[
              {"reasoningContent":{"reasoningText":{"text":"The user wants weather.","signature":"sig"}}},
              {"text":"Let me check."},
              {"toolUse":{"toolUseId":"tooluse_kZJMlvQmRJ6eAyJE5GIl7Q","name":"get_weather","input":{"city":"Seattle"}}}]}},
             "stopReason":"tool_use","usage":{"inputTokens":30,"outputTokens":20,"totalTokens":60,"cacheReadInputTokens":10},"metrics":{"latencyMs":100}}
            """#
        let translated = try BedrockResponseTranslator.translate(converseResponse: Array(body.utf8), id: "chatcmpl-1", publicModel: "public", created: 7)
        #expect(json(translated.body) == json("""
            {"id":"chatcmpl-1","object":"chat.completion","created":7,"model":"public",
             "choices":[{"index":0,"logprobs":null,"finish_reason":"tool_calls","message":{
               "role":"assistant","content":"Let me check.","refusal":null,"reasoning_content":"The user wants weather.",
               "tool_calls":[{"id":"tooluse_kZJMlvQmRJ6eAyJE5GIl7Q","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Seattle\\"}"}}]}}],
             "usage":{"prompt_tokens":40,"completion_tokens":20,"total_tokens":60,"prompt_tokens_details":{"cached_tokens":10}}}
            """))
        #expect(translated.usage == Usage(promptTokens: 40, completionTokens: 20, cachedPromptTokens: 10))
    }

    @Test(arguments: [
        ("end_turn", "stop"), ("stop_sequence", "stop"), ("max_tokens", "length"), ("tool_use", "tool_calls"),
        ("guardrail_intervened", "content_filter"), ("content_filtered", "content_filter"),
    ])
    func stopReasons(stopReason: String, finishReason: String) {
        #expect(StopReasonMapping.finishReason(forConverseStopReason: stopReason) == finishReason)
    }

    @Test func streamEventsBecomeChunksThenUsageThenDone() throws {
        var translator = BedrockStreamToOpenAI(id: "chatcmpl-1", publicModel: "public", created: 7, includeUsage: true)
        var output: [UInt8] = []
        for (type, payload) in [
            ("messageStart", #"{"role":"assistant"}"#),
            ("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"reasoningContent":{"text":"Hmm."}}}"#),
            ("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"reasoningContent":{"signature":"sig"}}}"#),
            ("contentBlockDelta", #"{"contentBlockIndex":1,"delta":{"text":"Hi"}}"#),
            ("contentBlockStart", #"{"contentBlockIndex":2,"start":{"toolUse":{"toolUseId":"tooluse_1","name":"f"}}}"#),
            ("contentBlockDelta", #"{"contentBlockIndex":2,"delta":{"toolUse":{"input":"{\"a\":"}}}"#),
            ("contentBlockDelta", #"{"contentBlockIndex":2,"delta":{"toolUse":{"input":"1}"}}}"#),
            ("contentBlockStop", #"{"contentBlockIndex":2}"#),
            ("messageStop", #"{"stopReason":"tool_use"}"#),
            ("metadata", #"{"usage":{"inputTokens":5,"outputTokens":3,"totalTokens":8},"metrics":{"latencyMs":9}}"#),
        ] {
            output += try translator.translate(eventType: type, payload: Array(payload.utf8))
        }
        let head = #""id":"chatcmpl-1","object":"chat.completion.chunk","created":7,"model":"public""#
        func chunk(_ delta: String, finish: String = "null") -> OutputEvent {
            OutputEvent(data: json(#"{\#(head),"choices":[{"index":0,"delta":\#(delta),"logprobs":null,"finish_reason":\#(finish)}]}"#))
        }
        #expect(events(output) == [
            chunk(#"{"role":"assistant","content":""}"#),
            chunk(#"{"reasoning_content":"Hmm."}"#),
            chunk(#"{"content":"Hi"}"#),
            chunk(#"{"tool_calls":[{"index":0,"id":"tooluse_1","type":"function","function":{"name":"f","arguments":""}}]}"#),
            chunk(#"{"tool_calls":[{"index":0,"function":{"arguments":"{\"a\":"}}]}"#),
            chunk(#"{"tool_calls":[{"index":0,"function":{"arguments":"1}"}}]}"#),
            chunk("{}", finish: #""tool_calls""#),
            OutputEvent(data: json(#"{\#(head),"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8,"prompt_tokens_details":{"cached_tokens":0}}}"#)),
            OutputEvent(data: nil),
        ])
        #expect(translator.isComplete)
        #expect(translator.usage?.completionTokens == 3)
    }

    @Test func anExceptionBecomesAnErrorEventAndEndsTheStream() throws {
        var translator = BedrockStreamToOpenAI(id: "chatcmpl-1", publicModel: "public", created: 7, includeUsage: false)
        _ = try translator.translate(eventType: "messageStart", payload: Array(#"{"role":"assistant"}"#.utf8))
        let output = translator.translate(exceptionType: "throttlingException", payload: Array(#"{"message":"Slow down"}"#.utf8))
        let error = try #require(events(output).first?.data?["error"])
        #expect(error["message"]?.stringValue == "Slow down")
        #expect(error["type"]?.stringValue == "rate_limit_error")
        #expect(translator.upstreamError?.status == 429)
        #expect(try translator.translate(eventType: "messageStop", payload: Array(#"{"stopReason":"end_turn"}"#.utf8)).isEmpty)
        #expect(translator.upstreamEnded().isEmpty)
    }

    @Test func aStreamWithoutMetadataStillEndsWithDone() throws {
        var translator = BedrockStreamToOpenAI(id: "chatcmpl-1", publicModel: "public", created: 7, includeUsage: true)
        _ = try translator.translate(eventType: "messageStop", payload: Array(#"{"stopReason":"end_turn"}"#.utf8))
        #expect(events(translator.upstreamEnded()) == [OutputEvent(data: nil)])
        #expect(translator.isComplete)
    }

    @Test(arguments: [
        (429, "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/", 429),
        (400, "ValidationException", 400),
        (503, "ServiceUnavailableException", 503),
        (424, "ModelNotReadyException", 503),
        (403, "AccessDeniedException", 403),
        (500, "InternalServerException", 502),
        (0, "modelStreamErrorException", 502),
    ])
    func errorsMapByExceptionType(status: Int, type: String, expected: Int) {
        let error = BedrockErrorMapping.gatewayError(status: status, exceptionType: type, body: Array(#"{"message":"why"}"#.utf8))
        #expect(error.status == expected)
        #expect(error.message.contains("why"))
    }

    @Test func reasoningEffortGoesInTheModelFamilysOwnField() throws {
        func request(_ model: String, _ extra: String) throws(TranslationError) -> JSONValue {
            json(try BedrockRequestTranslator.translate(openAIChat: Array(#"{"messages":[{"role":"user","content":"hi"}]\#(extra)}"#.utf8), model: model))
        }
        let claude = try request("us.anthropic.claude-sonnet-4-5-20250929-v1:0", #","reasoning_effort":"low","stop":["END"]"#)
        #expect(claude["additionalModelRequestFields"] == ["thinking": ["type": "enabled", "budget_tokens": 2048]])
        #expect(claude["inferenceConfig"] == ["maxTokens": 6144, "stopSequences": ["END"]])
        #expect(claude["additionalModelResponseFieldPaths"] == ["/stop_sequence"])
        let nova = try request("us.amazon.nova-2-lite-v1:0", #","reasoning_effort":"xhigh","max_tokens":100"#)
        #expect(nova["additionalModelRequestFields"] == ["reasoningConfig": ["type": "enabled", "maxReasoningEffort": "high"]])
        #expect(nova["inferenceConfig"] == ["maxTokens": 100])
        #expect(try request("meta.llama3-70b-instruct-v1:0", #","reasoning_effort":"none""#)["additionalModelRequestFields"] == nil)
        #expect(throws: TranslationError.unsupported("reasoning_effort", "this Bedrock model takes no reasoning setting through the gateway")) {
            try request("meta.llama3-70b-instruct-v1:0", #","reasoning_effort":"high""#)
        }
        #expect(throws: TranslationError.self) { try request("anthropic.claude-3-7-sonnet-20250219-v1:0", #","reasoning_effort":"high","max_tokens":500"#) }
    }

    @Test func aStopSequencesEndIsToldInTheChoice() throws {
        let body = #"{"output":{"message":{"role":"assistant","content":[{"text":"One, two"}]}},"stopReason":"stop_sequence","additionalModelResponseFields":{"stop_sequence":"three"},"usage":{"inputTokens":3,"outputTokens":2,"totalTokens":5}}"#
        let completion = json(try BedrockResponseTranslator.translate(converseResponse: Array(body.utf8), id: "x", publicModel: "m", created: 1).body)
        let choice = completion["choices"]?.arrayValue?.first
        #expect(choice?["finish_reason"] == "stop")
        #expect(choice?["stop_reason"] == "three")
        let anthropic = json(try OpenAIResponseTranslator.translate(openAIChat: completion.serialized, publicModel: "m").body)
        #expect(anthropic["stop_reason"] == "stop_sequence")
        #expect(anthropic["stop_sequence"] == "three")

        var stream = BedrockStreamToOpenAI(id: "x", publicModel: "m", created: 1, includeUsage: false)
        let chunks = try stream.translate(eventType: "messageStop", payload: Array(#"{"stopReason":"stop_sequence"}"#.utf8))
        #expect(events(chunks).first?.data?["choices"]?.arrayValue?.first?["stop_reason"] == "", "Bedrock did not say which sequence")
        var anthropicStream = OpenAIStreamToAnthropic(publicModel: "m")
        let translated = events(try anthropicStream.translate(chunks + Array("data: [DONE]\n\n".utf8)))
        #expect(translated.first { $0.name == "message_delta" }?.data?["delta"] == ["stop_reason": "stop_sequence", "stop_sequence": .null])
    }
}
