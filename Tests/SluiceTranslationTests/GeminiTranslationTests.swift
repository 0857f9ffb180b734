import SluiceCore
import SluiceTranslation
import Testing

/// Gemini `generateContent` bodies as its API reference documents them.
enum GeminiFixtures {
    static let textResponse = #"""
        {"candidates":[{"content":{"parts":[{"text":"Hello"},{"text":" there!"}],"role":"model"},"finishReason":"STOP","index":0}],
         "usageMetadata":{"promptTokenCount":12,"candidatesTokenCount":3,"totalTokenCount":15,"cachedContentTokenCount":4},
         "modelVersion":"gemini-2.5-flash","responseId":"resp-1"}
        """#

    static let thoughtAndCallResponse = #"""
        {"candidates":[{"content":{"parts":[{"text":"The user wants weather.","thought":true},
           {"functionCall":{"name":"get_weather","args":{"location":"Paris","unit":"celsius"}}}],"role":"model"},"finishReason":"STOP","index":0}],
         "usageMetadata":{"promptTokenCount":40,"candidatesTokenCount":10,"thoughtsTokenCount":25,"totalTokenCount":75},
         "modelVersion":"gemini-2.5-pro","responseId":"resp-2"}
        """#

    static let blockedPrompt = #"""
        {"promptFeedback":{"blockReason":"SAFETY","safetyRatings":[{"category":"HARM_CATEGORY_HARASSMENT","probability":"HIGH"}]},
         "usageMetadata":{"promptTokenCount":8,"totalTokenCount":8},"modelVersion":"gemini-2.5-flash","responseId":"resp-3"}
        """#

    static let filteredCandidate = #"""
        {"candidates":[{"finishReason":"SAFETY","index":0,"safetyRatings":[{"category":"HARM_CATEGORY_DANGEROUS_CONTENT","probability":"HIGH","blocked":true}]}],
         "usageMetadata":{"promptTokenCount":8,"totalTokenCount":8},"responseId":"resp-4"}
        """#

    static let partlyFilteredCandidate = #"""
        {"candidates":[{"content":{"parts":[{"text":"Once upon"}],"role":"model"},"finishReason":"RECITATION","index":0}],
         "usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":2,"totalTokenCount":10},"responseId":"resp-5"}
        """#

    static let textStream = """
        data: {"candidates":[{"content":{"parts":[{"text":"Thinking \\"hard\\"","thought":true}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":9,"totalTokenCount":9},"responseId":"resp-6"}\r\n\r\n\
        data: {"candidates":[{"content":{"parts":[{"text":"Hé 😀"}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":9,"candidatesTokenCount":2,"totalTokenCount":11},"responseId":"resp-6"}\r\n\r\n\
        data: {"candidates":[{"content":{"parts":[{"functionCall":{"id":"fc-1","name":"lookup","args":{"q":"x"}}}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":9,"candidatesTokenCount":5,"thoughtsTokenCount":4,"totalTokenCount":18},"responseId":"resp-6"}\r\n\r\n
        """
}

@Suite("Gemini request translation")
struct GeminiRequestTranslatorTests {
    private func translate(_ body: String) throws -> JSONValue {
        json(try GeminiRequestTranslator.translate(openAIChat: Array(body.utf8), model: "gemini-2.5-flash"))
    }

    private func refusal(_ body: String) -> TranslationError? {
        do {
            _ = try GeminiRequestTranslator.translate(openAIChat: Array(body.utf8), model: "gemini-2.5-flash")
            return nil
        } catch {
            return error
        }
    }

    @Test func conversationBecomesContentsWithSystemInstruction() throws {
        let output = try self.translate(#"""
            {"model":"g","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":[{"type":"text","text":"What is this?"},
             {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0K"}}]},
             {"role":"assistant","content":"A dot."},{"role":"developer","content":"Use French."},{"role":"user","content":"Merci"}],
             "max_completion_tokens":100,"temperature":0.5,"top_p":0.9,"stop":"END","n":1,"stream":true,"user":"u1"}
            """#)
        #expect(output == json(#"""
            {"contents":[{"role":"user","parts":[{"text":"What is this?"},{"inlineData":{"mimeType":"image/png","data":"iVBORw0K"}}]},
              {"role":"model","parts":[{"text":"A dot."}]},{"role":"user","parts":[{"text":"Merci"}]}],
             "systemInstruction":{"parts":[{"text":"Be brief."},{"text":"Use French."}]},
             "generationConfig":{"maxOutputTokens":100,"temperature":0.5,"topP":0.9,"stopSequences":["END"],"candidateCount":1}}
            """#))
    }

    @Test func toolsCallsAndResultsBecomeFunctionParts() throws {
        let output = try self.translate(#"""
            {"messages":[{"role":"user","content":"Weather?"},
              {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"{\"temp\":21}"},{"role":"tool","tool_call_id":"call_1","content":"sunny"}],
             "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather now","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],
             "tool_choice":{"type":"function","function":{"name":"get_weather"}},"max_tokens":50}
            """#)
        #expect(output == json(#"""
            {"contents":[{"role":"user","parts":[{"text":"Weather?"}]},
              {"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"}}}]},
              {"role":"user","parts":[{"functionResponse":{"name":"get_weather","response":{"temp":21}}},
                {"functionResponse":{"name":"get_weather","response":{"content":"sunny"}}}]}],
             "tools":[{"functionDeclarations":[{"name":"get_weather","description":"Weather now","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}]}],
             "toolConfig":{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["get_weather"]}},
             "generationConfig":{"maxOutputTokens":50}}
            """#))
    }

    @Test func toolChoiceModes() throws {
        for (choice, mode) in [("\"auto\"", "AUTO"), ("\"none\"", "NONE"), ("\"required\"", "ANY")] {
            let output = try self.translate(#"{"messages":[{"role":"user","content":"hi"}],"tool_choice":\#(choice)}"#)
            #expect(output["toolConfig"] == ["functionCallingConfig": ["mode": .string(mode)]])
        }
    }

    @Test func featuresGeminiCannotExpressAreRefusedByName() {
        let base = #""messages":[{"role":"user","content":"hi"}]"#
        let cases: [(String, String)] = [
            (#"{\#(base),"n":2}"#, "n"),
            (#"{\#(base),"logprobs":true}"#, "logprobs"),
            (#"{\#(base),"seed":1}"#, "seed"),
            (#"{\#(base),"response_format":{"type":"grammar"}}"#, "response_format.type"),
            (#"{\#(base),"presence_penalty":0.5}"#, "presence_penalty"),
            (#"{\#(base),"audio":{"voice":"x"}}"#, "audio"),
            (#"{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]}"#, "messages[0].content[0].image_url.url"),
            (#"{"messages":[{"role":"tool","tool_call_id":"nope","content":"x"}]}"#, "messages[0].tool_call_id"),
            (#"{\#(base),"tools":[{"type":"custom","custom":{"name":"x"}}]}"#, "tools[0].type"),
        ]
        for (body, param) in cases {
            let error = self.refusal(body)
            #expect(error?.status == 400, "\(body)")
            #expect(error?.param == param, "\(body)")
        }
        #expect(self.refusal(#"{\#(base),"n":1,"logprobs":false,"presence_penalty":0}"#) == nil)
    }
}

@Suite("Gemini response translation")
struct GeminiResponseTranslatorTests {
    private func translate(_ body: String) throws -> (body: JSONValue, usage: Usage?) {
        let translated = try GeminiResponseTranslator.translate(geminiResponse: Array(body.utf8), publicModel: "gemini-public", created: 1_700_000_000)
        return (json(translated.body), translated.usage)
    }

    @Test func textBecomesAChatCompletion() throws {
        let (body, usage) = try self.translate(GeminiFixtures.textResponse)
        #expect(body == json(#"""
            {"id":"chatcmpl-resp-1","object":"chat.completion","created":1700000000,"model":"gemini-public",
             "choices":[{"index":0,"message":{"role":"assistant","content":"Hello there!","refusal":null},"logprobs":null,"finish_reason":"stop"}],
             "usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15,"prompt_tokens_details":{"cached_tokens":4}}}
            """#))
        #expect(usage == Usage(promptTokens: 12, completionTokens: 3, cachedPromptTokens: 4))
    }

    @Test func thoughtsAndFunctionCallsBecomeReasoningAndToolCalls() throws {
        let (body, usage) = try self.translate(GeminiFixtures.thoughtAndCallResponse)
        let choice = try #require(body["choices"]?.arrayValue?.first)
        #expect(choice["finish_reason"] == "tool_calls")
        let message = try #require(choice["message"])
        #expect(message["content"] == .null)
        #expect(message["reasoning_content"] == "The user wants weather.")
        let call = try #require(message["tool_calls"]?.arrayValue?.first)
        #expect(call["id"]?.stringValue?.hasPrefix("call_") == true)
        #expect(call["type"] == "function")
        #expect(call["function"]?["name"] == "get_weather")
        #expect(json(call["function"]?["arguments"]?.stringValue ?? "") == json(#"{"location":"Paris","unit":"celsius"}"#))
        #expect(usage == Usage(promptTokens: 40, completionTokens: 35))
    }

    @Test func blockedAnswersAreContentFilterErrors() {
        for fixture in [GeminiFixtures.blockedPrompt, GeminiFixtures.filteredCandidate] {
            #expect(throws: TranslationError.self) { try self.translate(fixture) }
            do {
                _ = try self.translate(fixture)
            } catch {
                let gatewayError = (error as? TranslationError)?.gatewayError
                #expect(gatewayError?.status == 400)
                #expect(gatewayError?.code == "content_filter")
                #expect(gatewayError?.message.contains("SAFETY") == true)
            }
        }
    }

    @Test func aPartlyFilteredAnswerEndsWithContentFilter() throws {
        let (body, _) = try self.translate(GeminiFixtures.partlyFilteredCandidate)
        #expect(body["choices"]?.arrayValue?.first?["finish_reason"] == "content_filter")
        #expect(body["choices"]?.arrayValue?.first?["message"]?["content"] == "Once upon")
    }

    @Test func finishReasons() throws {
        let body = GeminiFixtures.textResponse.replacing("\"STOP\"", with: "\"MAX_TOKENS\"")
        #expect(try self.translate(body).body["choices"]?.arrayValue?.first?["finish_reason"] == "length")
    }

    @Test func errorBodiesKeepTheirStatus() {
        let body = Array(#"{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}}"#.utf8)
        let limited = GeminiErrorMapping.gatewayError(status: 429, geminiBody: body)
        #expect(limited.status == 429 && limited.isRetryable && limited.message == "Quota exceeded" && limited.code == "resource_exhausted")
        let invalid = GeminiErrorMapping.gatewayError(status: 400, geminiBody: Array(#"{"error":{"code":400,"message":"bad","status":"INVALID_ARGUMENT"}}"#.utf8))
        #expect(invalid.status == 400 && invalid.type == "invalid_request_error" && invalid.code == nil && invalid.message == "bad")
        #expect(GeminiErrorMapping.gatewayError(status: 500, geminiBody: [UInt8]()).status == 502)
        #expect(GeminiErrorMapping.gatewayError(status: 503, geminiBody: [UInt8]()).status == 503)
    }
}

@Suite("Gemini stream to OpenAI chunks")
struct GeminiStreamToOpenAITests {
    private func translate(_ input: String, cuts: [Int] = [], includeUsage: Bool = true) throws -> (bytes: [UInt8], translator: GeminiStreamToOpenAI) {
        var translator = GeminiStreamToOpenAI(publicModel: "gemini-public", created: 1_700_000_000, includeUsage: includeUsage)
        var bytes = try feed(&translator, Array(input.utf8), cuts: cuts) { try $0.translate($1) }
        bytes += translator.finish()
        return (bytes, translator)
    }

    @Test func eventsBecomeChunksThenFinishUsageAndDone() throws {
        let (bytes, translator) = try self.translate(GeminiFixtures.textStream)
        let output = events(bytes)
        #expect(output.first?.data?["id"] == "chatcmpl-resp-6")
        #expect(output.first?.data?["model"] == "gemini-public")
        #expect(deltas(output) == [
            json(#"{"role":"assistant","content":""}"#), json(#"{"reasoning_content":"Thinking \"hard\""}"#), json(#"{"content":"Hé 😀"}"#),
            json(#"{"tool_calls":[{"index":0,"id":"fc-1","type":"function","function":{"name":"lookup","arguments":"{\"q\":\"x\"}"}}]}"#), json("{}"),
        ])
        #expect(output[4].data?["choices"]?.arrayValue?.first?["finish_reason"] == "tool_calls")
        #expect(output[5].data?["usage"] == json(#"{"prompt_tokens":9,"completion_tokens":9,"total_tokens":18,"prompt_tokens_details":{"cached_tokens":0}}"#))
        #expect(output.last == OutputEvent(name: nil, data: nil))
        #expect(translator.isComplete)
        #expect(translator.usage == Usage(promptTokens: 9, completionTokens: 9))
    }

    @Test func splitAtEveryByteGivesTheSameOutput() throws {
        let whole = try self.translate(GeminiFixtures.textStream).bytes
        for cut in 0...GeminiFixtures.textStream.utf8.count {
            #expect(try self.translate(GeminiFixtures.textStream, cuts: [cut]).bytes == whole, "split at byte \(cut)")
        }
    }

    @Test func noDoneWithoutAFinishReason() throws {
        let input = #"data: {"candidates":[{"content":{"parts":[{"text":"Hi"}],"role":"model"},"index":0}],"responseId":"r"}"# + "\n\n"
        let (bytes, translator) = try self.translate(input)
        #expect(events(bytes).count == 2)
        #expect(!translator.isComplete)
    }

    @Test func generatedToolCallIDs() throws {
        let input = #"data: {"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":{}}}],"role":"model"},"finishReason":"STOP","index":0}]}"# + "\n\n"
        let call = deltas(events(try self.translate(input).bytes)).compactMap { $0["tool_calls"]?.arrayValue?.first }.first
        #expect(call?["id"]?.stringValue?.hasPrefix("call_") == true)
        #expect(call?["function"]?["arguments"] == "{}")
    }

    @Test func blockedAndErroredStreamsEndWithAnErrorEvent() throws {
        let blocked = "data: " + GeminiFixtures.blockedPrompt.split(separator: "\n").joined() + "\n\n"
        let error = #"data: {"error":{"code":503,"message":"overloaded","status":"UNAVAILABLE"}}"# + "\n\n"
        for (input, status, code) in [(blocked, 400, "content_filter"), (error, 503, "unavailable")] {
            let (bytes, translator) = try self.translate(input)
            #expect(translator.upstreamError?.status == status)
            #expect(translator.upstreamError?.code == code)
            #expect(events(bytes).last?.data?["error"]?["code"]?.stringValue == code)
            #expect(!translator.isComplete)
        }
    }
}

@Suite("Gemini embeddings translation")
struct GeminiEmbeddingsTranslatorTests {
    @Test func inputsBecomeABatchAndValuesAnEmbeddingsList() throws {
        let request = try GeminiEmbeddingsTranslator.translate(
            openAIEmbeddings: Array(#"{"model":"e","input":["a","b"],"dimensions":8,"encoding_format":"float"}"#.utf8), model: "text-embedding-004")
        #expect(json(request) == json(#"""
            {"requests":[{"model":"models/text-embedding-004","content":{"parts":[{"text":"a"}]},"outputDimensionality":8},
              {"model":"models/text-embedding-004","content":{"parts":[{"text":"b"}]},"outputDimensionality":8}]}
            """#))
        let answer = try GeminiEmbeddingsTranslator.translate(
            geminiEmbeddings: Array(#"{"embeddings":[{"values":[0.1,-0.2]},{"values":[0.3,0.4]}]}"#.utf8), publicModel: "emb")
        #expect(json(answer) == json(#"""
            {"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,-0.2]},{"object":"embedding","index":1,"embedding":[0.3,0.4]}],
             "model":"emb","usage":{"prompt_tokens":0,"total_tokens":0}}
            """#))
    }

    @Test func tokenInputsAndBase64AreRefused() {
        for (body, param) in [(#"{"input":[[1,2]]}"#, "input"), (#"{"input":"a","encoding_format":"base64"}"#, "encoding_format")] {
            #expect(throws: TranslationError.unsupported(param, param == "input" ? "only a string or an array of strings can be embedded" : "only float embeddings are returned")) {
                try GeminiEmbeddingsTranslator.translate(openAIEmbeddings: Array(body.utf8), model: "m")
            }
        }
    }
}
