import SluiceCore
import SluiceTranslation
import Testing

@Suite("Features the other API cannot express")
struct UnsupportedFeatureTests {
    private static let user = #""messages":[{"role":"user","content":"x"}]"#

    @Test(arguments: [
        (#"{\#(user),"n":2}"#, "n"),
        (#"{\#(user),"logprobs":true}"#, "logprobs"),
        (#"{\#(user),"top_logprobs":3}"#, "top_logprobs"),
        (#"{\#(user),"modalities":["text","audio"]}"#, "modalities"),
        (#"{\#(user),"audio":{"voice":"alloy","format":"mp3"}}"#, "audio"),
        (#"{\#(user),"response_format":{"type":"json_object"}}"#, "response_format"),
        (#"{\#(user),"frequency_penalty":0.5}"#, "frequency_penalty"),
        (#"{\#(user),"presence_penalty":1}"#, "presence_penalty"),
        (#"{\#(user),"logit_bias":{"50256":-100}}"#, "logit_bias"),
        (#"{\#(user),"seed":7}"#, "seed"),
        (#"{\#(user),"functions":[]}"#, "functions"),
        (#"{\#(user),"prediction":{"type":"content","content":"x"}}"#, "prediction"),
        (#"{\#(user),"temperature":1.5}"#, "temperature"),
        (#"{"messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"AA==","format":"wav"}}]}]}"#, "messages[0].content[0].type"),
        (#"{"messages":[{"role":"user","content":[{"type":"file","file":{"file_id":"file-1"}}]}]}"#, "messages[0].content[0].file"),
        (#"{"messages":[{"role":"function","name":"f","content":"x"}]}"#, "messages[0].role"),
        (#"{"messages":[{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"not json"}}]}]}"#, "messages[0].tool_calls[0].function.arguments"),
        (#"{\#(user),"tools":[{"type":"custom","custom":{"name":"x"}}]}"#, "tools[0].type"),
    ])
    func openAIRequestFeaturesAnthropicCannotExpressAre400s(body: String, param: String) {
        do {
            _ = try AnthropicRequestTranslator.translate(openAIChat: Array(body.utf8), model: "m", defaultMaxTokens: 1024)
            Issue.record("translated although '\(param)' cannot be expressed")
        } catch {
            #expect(error.status == 400)
            #expect(error.param == param)
            #expect(error.gatewayError.status == 400)
            #expect(error.gatewayError.type == "invalid_request_error")
            #expect(error.gatewayError.param == param)
        }
    }

    @Test func neutralValuesOfUnsupportedFeaturesPass() throws {
        let body = #"{\#(Self.user),"n":1,"logprobs":false,"presence_penalty":0,"frequency_penalty":0.0,"response_format":{"type":"text"},"modalities":["text"],"store":false,"service_tier":"auto","seed":null}"#
        _ = try AnthropicRequestTranslator.translate(openAIChat: Array(body.utf8), model: "m", defaultMaxTokens: 1024)
    }

    @Test(arguments: [
        (#"{"max_tokens":10,"messages":[{"role":"user","content":"x"}],"tools":[{"type":"web_search_20250305","name":"web_search"}]}"#, "tools[0].type"),
        (#"{"max_tokens":10,"messages":[{"role":"user","content":[{"type":"document","source":{"type":"text","media_type":"text/plain","data":"x"}}]}]}"#, "messages[0].content[0].type"),
        (#"{"max_tokens":10,"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"document","source":{"type":"url","url":"https://x/y.pdf"}}]}]}]}"#, "messages[0].content[0].content[0].type"),
        (#"{"max_tokens":10,"messages":[{"role":"user","content":"x"}],"mcp_servers":[]}"#, "mcp_servers"),
        (#"{"max_tokens":10,"messages":[{"role":"user","content":"x"}],"thinking":{"type":"sometimes"}}"#, "thinking.type"),
        (#"{"max_tokens":10,"messages":[{"role":"user","content":"x"}],"container":"container_011"}"#, "container"),
        (#"{"max_tokens":10,"messages":[{"role":"user","content":"x"}],"output_config":{"effort":"extreme"}}"#, "output_config.effort"),
        (#"{"max_tokens":10,"messages":[{"role":"user","content":"x"}],"output_config":{"format":{"type":"regex"}}}"#, "output_config.format.type"),
        (#"{"messages":[{"role":"user","content":"x"}]}"#, "max_tokens"),
    ])
    func anthropicRequestFeaturesOpenAICannotExpressAre400s(body: String, param: String) {
        do {
            _ = try OpenAIRequestTranslator.translate(anthropicMessages: Array(body.utf8), model: "m")
            Issue.record("translated although '\(param)' cannot be expressed")
        } catch {
            #expect(error.status == 400)
            #expect(error.param == param)
        }
    }

    @Test func malformedJSONIsA400WithoutParam() {
        #expect(throws: TranslationError.self) {
            try AnthropicRequestTranslator.translate(openAIChat: Array("{".utf8), model: "m", defaultMaxTokens: 1)
        }
    }
}
