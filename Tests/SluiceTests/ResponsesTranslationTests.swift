import SluiceCore
import SluiceServer
import SluiceTranslation
import Testing

/// Parses a JSON object the test wrote or a translator made.
func responsesJSON(_ text: String) -> JSONValue {
    do {
        return try JSONValue.parseObject(Array(text.utf8))
    } catch {
        Issue.record("not a JSON object: \(text)")
        return .null
    }
}

func responsesJSON(_ bytes: [UInt8]) -> JSONValue { responsesJSON(String(decoding: bytes, as: UTF8.self)) }

/// A reasoning seal under a fixed key, as a configured gateway has.
let testSeal = SealedReasoning(key: Array(repeating: UInt8(7), count: 32))!

/// The chat completions request a Responses request becomes.
private func chatRequest(_ request: String, seal: (any ReasoningSeal)? = testSeal, refuseHostedTools: Bool = false) throws -> (body: JSONValue, form: ResponsesChatForm) {
    let form = try ResponsesRequestTranslator.translate(responses: Array(request.utf8), model: "upstream-model", seal: seal, refuseHostedTools: refuseHostedTools)
    return (responsesJSON(form.body), form)
}

/// The translation error a Responses request is refused with.
private func refusal(_ request: String, seal: (any ReasoningSeal)? = testSeal, refuseHostedTools: Bool = false) -> TranslationError? {
    do {
        _ = try ResponsesRequestTranslator.translate(responses: Array(request.utf8), model: "m", seal: seal, refuseHostedTools: refuseHostedTools)
        return nil
    } catch {
        return error
    }
}

/// The `response` object a chat completion becomes.
private func responseObject(_ completion: String, request: String = #"{"model":"gpt-test","input":"hi"}"#, chatForm: ResponsesChatForm? = nil) throws -> JSONValue {
    let body = try ResponsesAnswerTranslator.translate(
        openAIChat: Array(completion.utf8), responseID: "resp_test", createdAt: 1_750_000_000, publicModel: "gpt-test",
        request: ResponsesRequestEcho(clientBody: Array(request.utf8)), chatForm: chatForm, seal: testSeal, ids: ResponsesIDs(seed: 42))
    return responsesJSON(body)
}

@Suite("Responses translation: requests")
struct ResponsesRequestTranslationTests {
    @Test func aStringInputWithSettingsBecomesAChatRequest() throws {
        let (body, form) = try chatRequest(#"""
            {"model":"gpt-test","instructions":"Be brief.","input":"Hello","max_output_tokens":300,"temperature":0.2,"top_p":0.9,
             "stream":true,"store":false,"metadata":{"k":"v"},"include":["reasoning.encrypted_content"],"truncation":"disabled",
             "reasoning":{"effort":"high","summary":"auto"},"prompt_cache_key":"session-1","safety_identifier":"u-1","user":"alice",
             "service_tier":"auto","parallel_tool_calls":false,"background":false,
             "text":{"format":{"type":"json_schema","name":"answer","schema":{"type":"object","properties":{"a":{"type":"string"}}},"strict":true,"description":"d"},"verbosity":"low"}}
            """#)
        #expect(body == responsesJSON(#"""
            {"model":"upstream-model",
             "messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hello"}],
             "reasoning_effort":"high","max_completion_tokens":300,"temperature":0.2,"top_p":0.9,"user":"alice","safety_identifier":"u-1",
             "prompt_cache_key":"session-1","service_tier":"auto",
             "response_format":{"type":"json_schema","json_schema":{"name":"answer","description":"d","schema":{"type":"object","properties":{"a":{"type":"string"}}},"strict":true}},
             "verbosity":"low","stream":true,"stream_options":{"include_usage":true}}
            """#))
        #expect(form.droppedTools.isEmpty)
        #expect(form.ignoredMembers.isEmpty)
    }

    @Test func membersOfNewerClientsAreLeftOutAndNamed() throws {
        let (body, form) = try chatRequest(#"""
            {"model":"m","input":"Hi","client_metadata":{"turn_id":"t1"},"frobnicate":1,"prompt_cache_key":"p"}
            """#)
        #expect(body == responsesJSON(#"{"model":"upstream-model","messages":[{"role":"user","content":"Hi"}],"prompt_cache_key":"p"}"#))
        #expect(form.ignoredMembers == ["client_metadata", "frobnicate"])
    }

    @Test func itemsBecomeMessagesWithOneAssistantTurnPerModelTurn() throws {
        let (body, _) = try chatRequest(#"""
            {"model":"m","input":[
              {"role":"developer","content":"Use tools."},
              {"type":"message","role":"user","content":[{"type":"input_text","text":"Weather?"},{"type":"input_image","image_url":"https://x/y.png","detail":"low"}]},
              {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Checking."}]},
              {"type":"function_call","call_id":"call_1","name":"weather","arguments":"{\"city\":\"Paris\"}"},
              {"type":"function_call","call_id":"call_2","name":"weather","arguments":"{\"city\":\"Rome\"}"},
              {"type":"function_call_output","call_id":"call_1","output":"sunny"},
              {"type":"function_call_output","call_id":"call_2","output":[{"type":"input_text","text":"rain"}]},
              {"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"not sent back"}]},
              {"role":"assistant","content":"Paris is sunny."},
              {"role":"user","content":"Thanks"}
            ]}
            """#)
        #expect(body["messages"] == responsesJSON(#"""
            {"m":[
              {"role":"system","content":"Use tools."},
              {"role":"user","content":[{"type":"text","text":"Weather?"},{"type":"image_url","image_url":{"url":"https://x/y.png","detail":"low"}}]},
              {"role":"assistant","content":"Checking.","tool_calls":[
                {"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}},
                {"id":"call_2","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Rome\"}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"sunny"},
              {"role":"tool","tool_call_id":"call_2","content":"rain"},
              {"role":"assistant","content":"Paris is sunny."},
              {"role":"user","content":"Thanks"}
            ]}
            """#)["m"])
    }

    @Test func imagesInToolOutputsFollowTheToolMessages() throws {
        let (body, _) = try chatRequest(#"""
            {"model":"m","input":[
              {"type":"function_call","call_id":"c1","name":"view_image","arguments":"{}"},
              {"type":"function_call_output","call_id":"c1","output":[{"type":"input_image","image_url":"data:image/png;base64,AAAA"}]},
              {"role":"user","content":"What is it?"}
            ]}
            """#)
        let messages = body["messages"]?.arrayValue ?? []
        #expect(messages.map { $0["role"]?.stringValue ?? "" } == ["assistant", "tool", "user", "user"])
        #expect(messages[2]["content"] == responsesJSON(#"{"c":[{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]}"#)["c"])
    }

    @Test func whatChatCannotExpressIsRefusedNamingTheParameter() {
        let fileImage = refusal(#"{"model":"m","input":[{"role":"user","content":[{"type":"input_text","text":"a"},{"type":"input_image","file_id":"file-1"}]}]}"#)
        #expect(fileImage?.status == 400)
        #expect(fileImage?.param == "input[0].content[1].file_id")

        let reference = refusal(#"{"model":"m","input":[{"type":"item_reference","id":"msg_1"}]}"#)
        #expect(reference?.param == "input[0].type")
        #expect(reference?.message.contains("item_reference") == true)


        let conversation = refusal(#"{"model":"m","input":"x","conversation":"conv_1"}"#)
        #expect(conversation?.status == 400)
        #expect(conversation?.param == "conversation")

        let background = refusal(#"{"model":"m","input":"x","background":true}"#)
        #expect(background?.param == "background")

        let unexpanded = refusal(#"{"model":"m","input":"x","previous_response_id":"resp_1"}"#)
        #expect(unexpanded?.status == 500)
        #expect(unexpanded?.gatewayError.status == 500)

        let forcedHosted = refusal(#"{"model":"m","input":"x","tools":[{"type":"web_search"}],"tool_choice":"required"}"#)
        #expect(forcedHosted?.param == "tool_choice")
    }

    @Test func hostedToolsAreLeftOutOrRefusedAsConfigured() throws {
        let request = #"""
            {"model":"m","input":"x","tool_choice":"auto","parallel_tool_calls":true,"tools":[
              {"type":"web_search"},
              {"type":"function","name":"lookup","description":"Looks up","parameters":{"type":"object","properties":{"q":{"type":"string"}}},"strict":false},
              {"type":"file_search","vector_store_ids":["vs_1"]},
              {"type":"web_search"},
              {"type":"custom","name":"apply_patch"}
            ]}
            """#
        let (body, form) = try chatRequest(request)
        #expect(form.droppedTools == ["web_search", "file_search", "custom"])
        #expect(body["tools"] == responsesJSON(#"""
            {"t":[{"type":"function","function":{"name":"lookup","description":"Looks up","parameters":{"type":"object","properties":{"q":{"type":"string"}}},"strict":false}}]}
            """#)["t"])
        #expect(body["tool_choice"]?.stringValue == "auto")
        #expect(body["parallel_tool_calls"]?.boolValue == true)

        let refused = refusal(request, refuseHostedTools: true)
        #expect(refused?.status == 400)
        #expect(refused?.param == "tools[0].type")
        #expect(refused?.message.contains("web_search") == true)

        let onlyHosted = try chatRequest(#"{"model":"m","input":"x","tools":[{"type":"web_search_preview"}],"tool_choice":"auto"}"#)
        #expect(onlyHosted.body["tools"] == nil)
        #expect(onlyHosted.body["tool_choice"] == nil)
    }

    @Test func namespacedFunctionsAreFlattenedAndMappedBack() throws {
        let (body, form) = try chatRequest(#"""
            {"model":"m","tool_choice":{"type":"function","name":"find"},"tools":[
              {"type":"function","name":"shell","parameters":{"type":"object","properties":{}}},
              {"type":"namespace","name":"crm","description":"CRM tools","tools":[
                {"type":"function","name":"find","description":"Finds a customer","parameters":{"type":"object","properties":{"name":{"type":"string"}}}},
                {"type":"custom","name":"freeform"}]}],
             "input":[
              {"role":"user","content":"Find Ada"},
              {"type":"function_call","call_id":"call_9","namespace":"crm","name":"find","arguments":"{\"name\":\"Ada\"}"},
              {"type":"function_call_output","call_id":"call_9","output":"found"}]}
            """#)
        let names = (body["tools"]?.arrayValue ?? []).compactMap { $0["function"]?["name"]?.stringValue }
        #expect(names == ["shell", "crm__find"])
        #expect(form.droppedTools == ["custom"])
        #expect(body["tool_choice"] == responsesJSON(#"{"type":"function","function":{"name":"crm__find"}}"#))
        #expect(body["messages"]?.arrayValue?[1]["tool_calls"]?.arrayValue?[0]["function"]?["name"]?.stringValue == "crm__find")

        let answer = try responseObject(#"""
            {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"x","choices":[{"index":0,"finish_reason":"tool_calls",
             "message":{"role":"assistant","content":null,"tool_calls":[
               {"id":"call_10","type":"function","function":{"name":"crm__find","arguments":"{\"name\":\"Bob\"}"}},
               {"id":"call_11","type":"function","function":{"name":"shell","arguments":"{}"}}]}}]}
            """#, chatForm: form)
        let calls = answer["output"]?.arrayValue ?? []
        #expect(calls.count == 2)
        #expect(calls[0]["name"]?.stringValue == "find")
        #expect(calls[0]["namespace"]?.stringValue == "crm")
        #expect(calls[0]["call_id"]?.stringValue == "call_10")
        #expect(calls[1]["name"]?.stringValue == "shell")
        #expect(calls[1]["namespace"] == nil)
    }
}

@Suite("Responses translation: sealed reasoning")
struct ResponsesSealedReasoningTests {
    /// An Anthropic answer in chat form, as ``AnthropicResponseTranslator`` writes it.
    static let thinkingBlocks = #"[{"type":"thinking","thinking":"The user wants Paris.","signature":"EqQBCkYIBxgCKkBsig+/=="},{"type":"redacted_thinking","data":"EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP"}]"#
    static let completion = #"""
        {"id":"msg_01","object":"chat.completion","created":1,"model":"claude","choices":[{"index":0,"finish_reason":"tool_calls","logprobs":null,
         "message":{"role":"assistant","content":null,"refusal":null,"reasoning_content":"The user wants Paris.",
          "thinking_blocks":\#(thinkingBlocks),
          "tool_calls":[{"id":"toolu_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}}]}}],
         "usage":{"prompt_tokens":20,"completion_tokens":30,"total_tokens":50}}
        """#
    static let request = #"{"model":"claude-public","input":"Weather in Paris?","store":false,"include":["reasoning.encrypted_content"],"reasoning":{"effort":"medium"}}"#

    @Test func sealedReasoningRestoresThinkingBlocksWithTheirSignaturesExactly() throws {
        let answer = try responseObject(Self.completion, request: Self.request)
        let output = answer["output"]?.arrayValue ?? []
        #expect(output.map { $0["type"]?.stringValue ?? "" } == ["reasoning", "function_call"])
        let reasoning = output[0]
        #expect(reasoning["summary"] == .array([]))
        let envelope = try #require(reasoning["encrypted_content"]?.stringValue)
        #expect(envelope.hasPrefix("sluice-rs1."))
        #expect(!envelope.contains("Paris"))

        // The next turn sends the output back as input, as a stateless client (store: false) does.
        var items = output.map { String(decoding: $0.serialized, as: UTF8.self) }
        items.insert(#"{"role":"user","content":"Weather in Paris?"}"#, at: 0)
        items.append(#"{"type":"function_call_output","call_id":"toolu_1","output":"sunny"}"#)
        let (body, _) = try chatRequest(#"{"model":"m","input":[\#(items.joined(separator: ","))]}"#)
        let assistant = try #require(body["messages"]?.arrayValue?[1])
        #expect(assistant["role"]?.stringValue == "assistant")
        let restored = try #require(assistant["thinking_blocks"])
        #expect(String(decoding: restored.serialized, as: UTF8.self) == Self.thinkingBlocks)
        #expect(assistant["reasoning_content"]?.stringValue == "The user wants Paris.")
        #expect(assistant["tool_calls"]?.arrayValue?.first?["id"]?.stringValue == "toolu_1")
    }

    @Test func anEnvelopeThatDoesNotOpenIsRefusedAndAForeignOneLeftOut() throws {
        let answer = try responseObject(Self.completion, request: Self.request)
        let envelope = try #require(answer["output"]?.arrayValue?.first?["encrypted_content"]?.stringValue)
        func input(_ envelope: String) -> String {
            #"{"model":"m","input":[{"role":"user","content":"q"},{"type":"reasoning","id":"rs_1","summary":[],"encrypted_content":"\#(envelope)"},{"role":"assistant","content":"a"}]}"#
        }
        var tampered = Array(envelope)
        let index = tampered.count - 10
        tampered[index] = tampered[index] == "A" ? "B" : "A"
        let changed = refusal(input(String(tampered)))
        #expect(changed?.status == 400)
        #expect(changed?.param == "input[1].encrypted_content")

        let otherKey = SealedReasoning(key: Array(repeating: UInt8(8), count: 32))!
        #expect(refusal(input(envelope), seal: otherKey)?.param == "input[1].encrypted_content")

        // OpenAI's own encrypted reasoning, from a turn a native deployment answered.
        let foreign = try chatRequest(input("gAAAAABoOpenAIsOwnReasoning=="))
        #expect(foreign.body["messages"]?.arrayValue?[1] == responsesJSON(#"{"role":"assistant","content":"a"}"#))
    }

    @Test func theSealRoundTripsAndRefusesChangesAndOtherKeys() throws {
        let plaintext = Array(#"{"thinking_blocks":[{"type":"thinking","thinking":"x","signature":"sig"}]}"#.utf8)
        let envelope = testSeal.seal(plaintext)
        #expect(testSeal.open(envelope) == plaintext)
        #expect(testSeal.seal(plaintext) != envelope, "every envelope has its own nonce")

        var bytes = Array(envelope.utf8)
        bytes[bytes.count / 2] = bytes[bytes.count / 2] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(testSeal.open(String(decoding: bytes, as: UTF8.self)) == nil)
        #expect(testSeal.open(String(envelope.dropLast(4))) == nil)
        #expect(SealedReasoning(key: Array(repeating: UInt8(9), count: 32))!.open(envelope) == nil)
        #expect(SealedReasoning.ephemeral().open(envelope) == nil)
        #expect(SealedReasoning(key: Array(repeating: UInt8(7), count: 31)) == nil)
        #expect(testSeal.open("sluice-rs1.!!!") == nil)
    }
}

@Suite("Responses translation: whole answers")
struct ResponsesAnswerTranslationTests {
    @Test func aChatCompletionBecomesAResponseObjectWithTheRequestEchoed() throws {
        let request = #"""
            {"model":"gpt-test","input":"hi","instructions":"Be brief.","max_output_tokens":500,"temperature":0.3,"store":false,
             "previous_response_id":"resp_prev","metadata":{"trace":"t1"},"user":"alice","text":{"format":{"type":"json_object"}},
             "tools":[{"type":"function","name":"f","parameters":{"type":"object"}}],"tool_choice":"required"}
            """#
        let answer = try responseObject(#"""
            {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"upstream","choices":[{"index":0,"finish_reason":"stop",
             "message":{"role":"assistant","content":"Hello there."}}],
             "usage":{"prompt_tokens":120,"completion_tokens":40,"total_tokens":160,"prompt_tokens_details":{"cached_tokens":100},
              "completion_tokens_details":{"reasoning_tokens":12}}}
            """#, request: request)
        #expect(answer["id"]?.stringValue == "resp_test")
        #expect(answer["object"]?.stringValue == "response")
        #expect(answer["created_at"]?.intValue == 1_750_000_000)
        #expect(answer["status"]?.stringValue == "completed")
        #expect(answer["model"]?.stringValue == "gpt-test")
        #expect(answer["error"]?.isNull == true)
        #expect(answer["incomplete_details"]?.isNull == true)
        #expect(answer["output_text"] == nil, "output_text is the SDK's convenience, not on the wire")
        let output = answer["output"]?.arrayValue ?? []
        #expect(output.count == 1)
        let message = output[0]
        let id = message["id"]?.stringValue ?? ""
        #expect(id.hasPrefix("msg_") && id.count == 52 && id.dropFirst(4).allSatisfy(\.isHexDigit))
        #expect(message == responsesJSON(#"""
            {"id":"\#(id)","type":"message","status":"completed","role":"assistant",
             "content":[{"type":"output_text","annotations":[],"logprobs":[],"text":"Hello there."}]}
            """#))
        #expect(answer["usage"] == responsesJSON(#"""
            {"input_tokens":120,"input_tokens_details":{"cached_tokens":100},"output_tokens":40,
             "output_tokens_details":{"reasoning_tokens":12},"total_tokens":160}
            """#))
        #expect(answer["instructions"]?.stringValue == "Be brief.")
        #expect(answer["max_output_tokens"]?.intValue == 500)
        #expect(answer["temperature"] == .number("0.3"))
        #expect(answer["top_p"] == .number("1.0"))
        #expect(answer["store"]?.boolValue == false)
        #expect(answer["previous_response_id"]?.stringValue == "resp_prev")
        #expect(answer["metadata"] == responsesJSON(#"{"trace":"t1"}"#))
        #expect(answer["user"]?.stringValue == "alice")
        #expect(answer["text"]?["format"] == responsesJSON(#"{"type":"json_object"}"#))
        #expect(answer["tool_choice"]?.stringValue == "required")
        #expect(answer["tools"]?.arrayValue?.count == 1)
        #expect(answer["parallel_tool_calls"]?.boolValue == true)
        #expect(answer["truncation"]?.stringValue == "disabled")
        #expect(answer["reasoning"] == responsesJSON(#"{"effort":null,"summary":null}"#))

        let again = try responseObject(#"{"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"Hello there."}}]}"#, request: request)
        #expect(again["output"]?.arrayValue?.first?["id"]?.stringValue == id, "a seeded generator makes the same ids")
    }

    @Test func anAnswerCutAtItsLimitIsIncomplete() throws {
        let answer = try responseObject(#"""
            {"choices":[{"index":0,"finish_reason":"length","message":{"role":"assistant","content":"Once upon a"}}],
             "usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}}
            """#)
        #expect(answer["status"]?.stringValue == "incomplete")
        #expect(answer["incomplete_details"] == responsesJSON(#"{"reason":"max_output_tokens"}"#))
        #expect(answer["output"]?.arrayValue?.first?["status"]?.stringValue == "incomplete")

        let filtered = try responseObject(#"{"choices":[{"index":0,"finish_reason":"content_filter","message":{"role":"assistant","content":""}}]}"#)
        #expect(filtered["incomplete_details"]?["reason"]?.stringValue == "content_filter")
    }

    @Test func reasoningAndRefusalsBecomeTheirItemsAndParts() throws {
        let answer = try responseObject(#"""
            {"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"No.","refusal":"I can't help with that.",
             "reasoning_content":"Thinking it over."}}]}
            """#, request: #"{"model":"m","input":"x","reasoning":{"effort":"low","summary":"auto"}}"#)
        let output = answer["output"]?.arrayValue ?? []
        #expect(output.map { $0["type"]?.stringValue ?? "" } == ["reasoning", "message"])
        #expect(output[0]["summary"] == responsesJSON(#"{"s":[{"type":"summary_text","text":"Thinking it over."}]}"#)["s"])
        #expect(output[0]["encrypted_content"] == nil, "not included unless asked for")
        #expect(output[0]["id"]?.stringValue?.hasPrefix("rs_") == true)
        #expect(output[1]["content"]?.arrayValue?.last == responsesJSON(#"{"type":"refusal","refusal":"I can't help with that."}"#))
        #expect(answer["reasoning"] == responsesJSON(#"{"effort":"low","summary":"auto"}"#))
    }
}
