import SluiceTranslation
import Testing

@Suite("Anthropic Messages request to OpenAI chat request")
struct OpenAIRequestTranslatorTests {
    @Test func anthropicConversationBecomesOpenAIMessages() throws {
        let body = """
            {"model":"claude-public","max_tokens":1024,"system":[{"type":"text","text":"Be brief.","cache_control":{"type":"ephemeral"}}],
             "messages":[
               {"role":"user","content":"What's the weather in San Francisco?"},
               {"role":"assistant","content":[{"type":"thinking","thinking":"…","signature":"s"},{"type":"text","text":"Let me check."},
                  {"type":"tool_use","id":"toolu_01A09q90qw90lq917835lq9","name":"get_weather","input":{"location":"San Francisco, CA"}}]},
               {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01A09q90qw90lq917835lq9","content":"15 degrees"},
                  {"type":"text","text":"And tomorrow?"},{"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/4AAQ"}}]}],
             "tools":[{"name":"get_weather","description":"Get the current weather in a given location","input_schema":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}],
             "tool_choice":{"type":"any","disable_parallel_tool_use":true},
             "stop_sequences":["\\n\\nHuman:"],"temperature":0.2,"top_k":40,"stream":true,"metadata":{"user_id":"u-1"},
             "thinking":{"type":"enabled","budget_tokens":10000}}
            """
        let request = json(try OpenAIRequestTranslator.translate(anthropicMessages: Array(body.utf8), model: "qwen3"))
        #expect(request == json("""
            {"model":"qwen3","messages":[
               {"role":"system","content":"Be brief."},
               {"role":"user","content":"What's the weather in San Francisco?"},
               {"role":"assistant","content":"Let me check.","tool_calls":[{"id":"toolu_01A09q90qw90lq917835lq9","type":"function",
                  "function":{"name":"get_weather","arguments":"{\\"location\\":\\"San Francisco, CA\\"}"}}]},
               {"role":"tool","tool_call_id":"toolu_01A09q90qw90lq917835lq9","content":"15 degrees"},
               {"role":"user","content":[{"type":"text","text":"And tomorrow?"},{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,/9j/4AAQ"}}]}],
             "max_tokens":1024,"stop":["\\n\\nHuman:"],"stream":true,"stream_options":{"include_usage":true},
             "temperature":0.2,"top_k":40,"user":"u-1","reasoning_effort":"high",
             "tools":[{"type":"function","function":{"name":"get_weather","description":"Get the current weather in a given location",
                "parameters":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}}],
             "tool_choice":"required","parallel_tool_calls":false}
            """))
    }

    @Test(arguments: [(1024, "low"), (2048, "low"), (4096, "medium"), (8192, "medium"), (16384, "high")])
    func thinkingBudgetsBecomeEfforts(budget: Int, effort: String) {
        #expect(OpenAIRequestTranslator.reasoningEffort(forThinkingBudget: budget) == effort)
    }

    @Test(arguments: [#"{"type":"enabled"}"#, #"{"type":"enabled","budget_tokens":512}"#, #"{"type":"enabled","budget_tokens":"8k"}"#])
    func aThinkingBudgetAnthropicWouldRefuseIsRefusedByItsName(thinking: String) {
        let body = #"{"model":"m","max_tokens":4096,"messages":[{"role":"user","content":"hi"}],"thinking":\#(thinking)}"#
        #expect(throws: TranslationError.invalidRequest("'thinking.budget_tokens' must be an integer of at least 1024", param: "thinking.budget_tokens")) {
            try OpenAIRequestTranslator.translate(anthropicMessages: Array(body.utf8), model: "m")
        }
    }
}
