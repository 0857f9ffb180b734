import SluiceTranslation
import Testing

@Suite("OpenAI chat request to Anthropic Messages request")
struct AnthropicRequestTranslatorTests {
    private func translate(_ body: String, defaultMaxTokens: Int = 4096) throws(TranslationError) -> JSONValue {
        json(try AnthropicRequestTranslator.translate(openAIChat: Array(body.utf8), model: "claude-upstream", defaultMaxTokens: defaultMaxTokens))
    }

    @Test func conversationWithToolsBecomesAlternatingTurns() throws {
        let request = try self.translate("""
            {"model":"gpt-public","messages":[
              {"role":"system","content":"You are terse."},
              {"role":"developer","content":[{"type":"text","text":"Use tools.","cache_control":{"type":"ephemeral"}}]},
              {"role":"user","content":"Weather in Paris and Rome?"},
              {"role":"assistant","content":"Checking.","tool_calls":[
                {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
                {"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Rome\\"}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"18C"},
              {"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"22C"}]},
              {"role":"user","content":[{"type":"text","text":"Thanks"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},{"type":"image_url","image_url":{"url":"https://example.com/a.jpg","detail":"high"}}]}
            ],
            "tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}],
            "tool_choice":"required","parallel_tool_calls":false,
            "max_completion_tokens":300,"temperature":0.5,"top_p":0.9,"stop":"END","stream":true,"stream_options":{"include_usage":true},"user":"u-42"}
            """)
        #expect(request == json("""
            {"model":"claude-upstream","max_tokens":300,
             "system":[{"type":"text","text":"You are terse."},{"type":"text","text":"Use tools.","cache_control":{"type":"ephemeral"}}],
             "messages":[
               {"role":"user","content":[{"type":"text","text":"Weather in Paris and Rome?"}]},
               {"role":"assistant","content":[{"type":"text","text":"Checking."},
                  {"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Paris"}},
                  {"type":"tool_use","id":"call_2","name":"get_weather","input":{"city":"Rome"}}]},
               {"role":"user","content":[
                  {"type":"tool_result","tool_use_id":"call_1","content":"18C"},
                  {"type":"tool_result","tool_use_id":"call_2","content":[{"type":"text","text":"22C"}]},
                  {"type":"text","text":"Thanks"},
                  {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
                  {"type":"image","source":{"type":"url","url":"https://example.com/a.jpg"}}]}],
             "metadata":{"user_id":"u-42"},"stop_sequences":["END"],"stream":true,"temperature":0.5,"top_p":0.9,
             "tools":[{"name":"get_weather","description":"Current weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}],
             "tool_choice":{"type":"any","disable_parallel_tool_use":true}}
            """))
    }

    @Test(arguments: [
        (#""auto""#, #"{"type":"auto"}"#),
        (#""none""#, #"{"type":"none"}"#),
        (#""required""#, #"{"type":"any"}"#),
        (#"{"type":"function","function":{"name":"f"}}"#, #"{"type":"tool","name":"f"}"#),
    ])
    func toolChoiceMapping(openAI: String, anthropic: String) throws {
        let request = try self.translate(#"{"messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":\#(openAI)}"#)
        #expect(request["tool_choice"] == json(anthropic))
        #expect(request["tools"] == json(#"{"t":[{"name":"f","input_schema":{"type":"object","properties":{}}}]}"#)["t"])
    }

    @Test func maxTokensDefaultsToTheCallersValue() throws {
        #expect(try self.translate(#"{"messages":[{"role":"user","content":"x"}]}"#, defaultMaxTokens: 1234)["max_tokens"] == 1234)
        #expect(try self.translate(#"{"messages":[{"role":"user","content":"x"}],"max_tokens":77}"#)["max_tokens"] == 77)
    }

    @Test func safetyIdentifierStandsInForUser() throws {
        let request = try self.translate(#"{"messages":[{"role":"user","content":"x"}],"safety_identifier":"hash-1","prompt_cache_key":"k"}"#)
        #expect(request["metadata"] == json(#"{"user_id":"hash-1"}"#))
        #expect(request["prompt_cache_key"] == nil)
    }

    @Test func reasoningEffortEnablesThinkingWithABudget() throws {
        let request = try self.translate(#"{"messages":[{"role":"user","content":"x"}],"reasoning_effort":"medium"}"#, defaultMaxTokens: 4096)
        #expect(request["thinking"] == json(#"{"type":"enabled","budget_tokens":8192}"#))
        #expect(request["max_tokens"] == .integer(8192 + 4096))
        let capped = try self.translate(#"{"messages":[{"role":"user","content":"x"}],"reasoning_effort":"high","max_completion_tokens":5000}"#)
        #expect(capped["thinking"] == json(#"{"type":"enabled","budget_tokens":4999}"#))
        #expect(capped["max_tokens"] == 5000)
        #expect(try self.translate(#"{"messages":[{"role":"user","content":"x"}],"reasoning_effort":"none"}"#)["thinking"] == nil)
        #expect(throws: TranslationError.invalidRequest(
            "'reasoning_effort' needs 'max_completion_tokens' above 1024: the model's thinking counts toward it", param: "reasoning_effort")) {
            try self.translate(#"{"messages":[{"role":"user","content":"x"}],"reasoning_effort":"low","max_tokens":500}"#)
        }
    }

    @Test func thinkingBlocksGoBackWithTheirSignatures() throws {
        let request = try self.translate("""
            {"messages":[{"role":"user","content":"x"},
              {"role":"assistant","content":"21","reasoning_content":"GCD…",
               "thinking_blocks":[{"type":"thinking","thinking":"GCD…","signature":"sig=="},{"type":"redacted_thinking","data":"opaque"}],
               "tool_calls":[{"id":"t1","type":"function","function":{"name":"f","arguments":""}}]},
              {"role":"tool","tool_call_id":"t1","content":"ok"}]}
            """)
        #expect(request["messages"]?.arrayValue?[1] == json("""
            {"role":"assistant","content":[{"type":"thinking","thinking":"GCD…","signature":"sig=="},{"type":"redacted_thinking","data":"opaque"},
              {"type":"text","text":"21"},{"type":"tool_use","id":"t1","name":"f","input":{}}]}
            """))
    }

    @Test func consecutiveUserMessagesMerge() throws {
        let request = try self.translate(#"{"messages":[{"role":"user","content":"a"},{"role":"user","content":"b"},{"role":"assistant","content":"c"},{"role":"assistant","content":"d"}]}"#)
        #expect(request["messages"] == json("""
            {"m":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},
                  {"role":"assistant","content":[{"type":"text","text":"c"},{"type":"text","text":"d"}]}]}
            """)["m"])
    }
}
