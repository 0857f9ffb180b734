import SluiceCore
import SluiceTranslation
import Testing

/// What Gemini needs back, and what it refuses, as its API reference documents it.
@Suite("Gemini translation: thought signatures, schemas, thinking")
struct GeminiFidelityTests {
    private func request(_ body: String, model: String = "gemini-3-pro-preview") throws -> JSONValue {
        json(try GeminiRequestTranslator.translate(openAIChat: Array(body.utf8), model: model))
    }

    private func answer(_ body: String) throws -> JSONValue {
        json(try GeminiResponseTranslator.translate(geminiResponse: Array(body.utf8), publicModel: "g", created: 1).body)
    }

    private func streamed(_ events: [String]) throws -> (output: [OutputEvent], translator: GeminiStreamToOpenAI) {
        var translator = GeminiStreamToOpenAI(publicModel: "g", created: 1, includeUsage: false)
        var bytes = try translator.translate(Array(events.map { "data: \($0)\r\n\r\n" }.joined().utf8))
        bytes += translator.finish()
        return (SluiceTranslationTests.events(bytes), translator)
    }

    /// The assistant message and tool results a client sends back after the calls in `calls`.
    private func nextTurn(_ calls: [JSONValue]) -> String {
        let toolCalls = String(decoding: JSONValue.array(calls).serialized, as: UTF8.self)
        let results = calls.compactMap { $0["id"]?.stringValue }.map { #"{"role":"tool","tool_call_id":"\#($0)","content":"sunny"}"# }
        return #"{"messages":[{"role":"user","content":"Weather in Paris and Rome?"},{"role":"assistant","content":null,"tool_calls":\#(toolCalls)},\#(results.joined(separator: ","))]}"#
    }

    // A signature as Gemini writes it: standard base64, with `+`, `/` and padding.
    static let signature = "CpwCAb4+9vt/LSZz0kG7a2Xq+1yQ//4="

    @Test func aFunctionCallsThoughtSignatureComesBackOnTheNextTurn() throws {
        let response = #"""
            {"candidates":[{"content":{"parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":"\#(Self.signature)"},
              {"functionCall":{"name":"get_weather","args":{"city":"Rome"}}}],"role":"model"},"finishReason":"STOP","index":0}],"responseId":"r"}
            """#
        let calls = try #require(try self.answer(response)["choices"]?.arrayValue?.first?["message"]?["tool_calls"]?.arrayValue)
        #expect(calls.count == 2)
        for call in calls {
            let id = try #require(call["id"]?.stringValue)
            #expect(id.hasPrefix("call_"))
            #expect(id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }, "Anthropic accepts the id as a tool_use id: \(id)")
        }
        let sent = try self.request(self.nextTurn(calls))
        let model = try #require(sent["contents"]?.arrayValue?[1])
        #expect(model["role"] == "model")
        #expect(model["parts"] == [
            ["functionCall": ["name": "get_weather", "args": ["city": "Paris"]], "thoughtSignature": .string(Self.signature)],
            ["functionCall": ["name": "get_weather", "args": ["city": "Rome"]]],
        ], "the signature goes back on the first call, as Gemini sent it; the parallel call had none")
        let responses = sent["contents"]?.arrayValue?[2]["parts"]?.arrayValue?.compactMap { $0["functionResponse"]?["name"] }
        #expect(responses == ["get_weather", "get_weather"])
    }

    @Test func aSignatureOnATextPartGoesBackOnTheStepsFirstCall() throws {
        // Some deployments sign an empty text part after the calls instead of the first call.
        let parts = #"[{"functionCall":{"name":"get_weather","args":{"city":"Paris"}}},{"text":"","thoughtSignature":"\#(Self.signature)"}]"#
        let response = #"{"candidates":[{"content":{"parts":\#(parts),"role":"model"},"finishReason":"STOP","index":0}]}"#
        let whole = try #require(try self.answer(response)["choices"]?.arrayValue?.first?["message"]?["tool_calls"]?.arrayValue)
        let stream = try self.streamed([
            #"{"candidates":[{"content":{"parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"}}}],"role":"model"},"index":0}]}"#,
            #"{"candidates":[{"content":{"parts":[{"text":"","thoughtSignature":"\#(Self.signature)"}],"role":"model"},"finishReason":"STOP","index":0}]}"#,
        ])
        let streamedCalls = deltas(stream.output).compactMap { $0["tool_calls"]?.arrayValue?.first }
        #expect(streamedCalls.count == 1)
        for calls in [whole, streamedCalls.map { call in .object((call.objectMembers ?? []).filter { $0.key != "index" }) }] {
            let sent = try self.request(self.nextTurn(calls))
            #expect(sent["contents"]?.arrayValue?[1]["parts"]?.arrayValue?.first?["thoughtSignature"] == .string(Self.signature))
        }
    }

    @Test func idsWithoutASignatureOrChangedByTheClientSendNone() throws {
        for id in ["call_abc", "call_ts5_abc", "call_ts3_abc", "call_ts99999999_x_y", "call_ts2_a+_x"] {
            let calls: [JSONValue] = [["id": .string(id), "type": "function", "function": ["name": "f", "arguments": "{}"]]]
            let sent = try self.request(self.nextTurn(calls))
            #expect(sent["contents"]?.arrayValue?[1]["parts"]?.arrayValue?.first?["thoughtSignature"] == nil, "\(id)")
        }
    }

    @Test func strictToolSchemasAreCutToWhatGeminiAccepts() throws {
        // What `client.chat.completions.parse` sends for a pydantic model with a nested model and an optional field.
        let sent = try self.request(##"""
            {"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"book","strict":true,
              "parameters":{"$defs":{"Place":{"properties":{"city":{"title":"City","type":"string"}},"required":["city"],"title":"Place","type":"object","additionalProperties":false}},
               "properties":{"place":{"$ref":"#/$defs/Place"},"nights":{"anyOf":[{"type":"integer"},{"type":"null"}],"default":null,"title":"Nights"},
                "kind":{"type":["string","null"],"enum":["hotel","flat",null]},"mode":{"const":"fast"}},
               "required":["place","nights","kind","mode"],"title":"Booking","type":"object","additionalProperties":false,"$schema":"http://json-schema.org/draft-07/schema#"}}}],
             "response_format":{"type":"json_schema","json_schema":{"name":"Booking","strict":true,"schema":{"type":"object","properties":{"ok":{"type":"boolean"}},"required":["ok"],"additionalProperties":false}}}}
            """##)
        #expect(sent["tools"]?.arrayValue?.first?["functionDeclarations"]?.arrayValue?.first?["parameters"] == json(#"""
            {"properties":{"place":{"properties":{"city":{"title":"City","type":"string"}},"required":["city"],"title":"Place","type":"object"},
              "nights":{"type":"integer","default":null,"title":"Nights","nullable":true},
              "kind":{"type":"string","enum":["hotel","flat"],"nullable":true},"mode":{"enum":["fast"]}},
             "required":["place","nights","kind","mode"],"title":"Booking","type":"object"}
            """#))
        #expect(sent["generationConfig"] == json(#"""
            {"responseMimeType":"application/json","responseSchema":{"type":"object","properties":{"ok":{"type":"boolean"}},"required":["ok"]}}
            """#))
        let recursive = ##"{"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"t","parameters":{"$defs":{"N":{"type":"object","properties":{"next":{"$ref":"#/$defs/N"}}}},"$ref":"#/$defs/N"}}}]}"##
        #expect(throws: TranslationError.unsupported("tools[0].function.parameters", "Gemini schemas cannot refer to themselves ('#/$defs/N')")) {
            try self.request(recursive)
        }
    }

    @Test func reasoningEffortAndTopKGoInGenerationConfig() throws {
        let body = #"{"messages":[{"role":"user","content":"hi"}],"reasoning_effort":"medium","top_k":40}"#
        #expect(try self.request(body)["generationConfig"] == ["topK": 40, "thinkingConfig": ["thinkingLevel": "medium", "includeThoughts": true]])
        #expect(try self.request(body, model: "gemini-2.5-flash")["generationConfig"]?["thinkingConfig"] == ["thinkingBudget": 8192, "includeThoughts": true])
        #expect(try self.request(#"{"messages":[{"role":"user","content":"hi"}],"reasoning_effort":"none"}"#, model: "models/gemini-2.5-flash")["generationConfig"]
            == ["thinkingConfig": ["thinkingBudget": 0]])
        #expect(throws: TranslationError.invalidRequest("'top_k' must be a positive integer", param: "top_k")) {
            try self.request(#"{"messages":[{"role":"user","content":"hi"}],"top_k":-1}"#)
        }
        #expect(throws: TranslationError.self) { try self.request(#"{"messages":[{"role":"user","content":"hi"}],"reasoning_effort":"max"}"#) }
    }

    @Test func aMalformedFunctionCallIsAnErrorTheClientSees() throws {
        let candidate = #"{"candidates":[{"content":{"parts":[],"role":"model"},"finishReason":"MALFORMED_FUNCTION_CALL","finishMessage":"Malformed function call: print(x","index":0}]}"#
        #expect(throws: TranslationError.malformedToolCall("MALFORMED_FUNCTION_CALL", detail: "Malformed function call: print(x")) { try self.answer(candidate) }
        let error = TranslationError.malformedToolCall("MALFORMED_FUNCTION_CALL", detail: nil).gatewayError
        #expect(error.status == 502 && error.code == "malformed_function_call")

        let (output, translator) = try self.streamed([#"{"candidates":[{"content":{"parts":[{"text":"Let me"}],"role":"model"},"index":0}]}"#, candidate])
        #expect(translator.upstreamError?.code == "malformed_function_call")
        #expect(!translator.isComplete)
        #expect(output.last?.data?["error"]?["code"] == "malformed_function_call")
    }

    @Test func retryInfoBecomesRetryAfter() {
        let body = #"""
            {"error":{"code":429,"message":"You exceeded your current quota.","status":"RESOURCE_EXHAUSTED","details":[
              {"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaMetric":"generativelanguage.googleapis.com/generate_content_free_tier_requests"}]},
              {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37.5s"}]}}
            """#
        #expect(GeminiErrorMapping.gatewayError(status: 429, geminiBody: Array(body.utf8)).retryAfter == "38")
        for (delay, expected) in [("0s", "1"), ("1e9s", "86400"), ("nans", nil), ("-3s", nil), ("12", nil)] as [(String, String?)] {
            let text = #"{"error":{"code":503,"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"\#(delay)"}]}}"#
            #expect(GeminiErrorMapping.gatewayError(status: 503, geminiBody: Array(text.utf8)).retryAfter == expected, "\(delay)")
        }
    }
}
