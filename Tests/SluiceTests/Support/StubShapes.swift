import Foundation

/// Response bodies in the exact shapes of OpenAI's API reference.
enum StubShapes {
    static func error(message: String, type: String, param: String?, code: String?) -> String {
        let param = param.map { "\"\($0)\"" } ?? "null"
        let code = code.map { "\"\($0)\"" } ?? "null"
        return #"{"error":{"message":"\#(message)","type":"\#(type)","param":\#(param),"code":\#(code)}}"#
    }

    /// The upstream answers with a dated model name, as OpenAI does.
    static func servedModel(_ model: String) -> String { "\(model)-2024-08-06" }

    /// The usage of ``chatCompletion(model:usage:)`` unless a test gives its own.
    static let completionUsage = #"{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":4,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}"#
    /// The usage of the last event of ``chatStream(model:includeUsage:)``.
    static let streamUsage = #"{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12,"prompt_tokens_details":{"cached_tokens":0}}"#

    static func chatCompletion(model: String, usage: String = completionUsage) -> String {
        #"""
        {"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion","created":1741569952,"model":"\#(servedModel(model))","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I assist you today?","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":\#(usage),"service_tier":"default","system_fingerprint":"fp_fc9f1d7035"}
        """#
    }

    static func textCompletion(model: String) -> String {
        #"""
        {"id":"cmpl-uqkvlQyYK7bGYrRHQ0eXlWi7","object":"text_completion","created":1589478378,"model":"\#(servedModel(model))","system_fingerprint":"fp_44709d6fcb","choices":[{"text":"\n\nThis is indeed a test","index":0,"logprobs":null,"finish_reason":"length"}],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}}
        """#
    }

    static func embeddings(model: String) -> String {
        #"{"object":"list","data":[{"object":"embedding","embedding":[0.0023064255,-0.009327292,-0.0028842222],"index":0}],"model":"\#(servedModel(model))","usage":{"prompt_tokens":8,"total_tokens":8}}"#
    }

    /// Chat stream events: role, three content deltas, the finish, and (when asked) usage, then `[DONE]`.
    static func chatStream(model: String, includeUsage: Bool) -> [String] {
        let usageNull = includeUsage ? #","usage":null"# : ""
        func chunk(_ choice: String) -> String {
            #"data: {"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"\#(servedModel(model))","system_fingerprint":"fp_44709d6fcb","choices":[\#(choice)]\#(usageNull)}"# + "\n\n"
        }
        var events = [
            chunk(#"{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}"#),
            chunk(#"{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}"#),
            chunk(#"{"index":0,"delta":{"content":" there"},"logprobs":null,"finish_reason":null}"#),
            chunk(#"{"index":0,"delta":{"content":"!"},"logprobs":null,"finish_reason":null}"#),
            chunk(#"{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}"#),
        ]
        if includeUsage {
            events.append(
                #"data: {"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"\#(servedModel(model))","system_fingerprint":"fp_44709d6fcb","choices":[],"usage":\#(streamUsage)}"#
                    + "\n\n"
            )
        }
        events.append("data: [DONE]\n\n")
        return events
    }

    /// A chat completion whose content carries its reasoning in `<think>` tags.
    static func thinkingCompletion(model: String) -> String {
        #"{"id":"chatcmpl-think","object":"chat.completion","created":1741569952,"model":"\#(model)","choices":[{"index":0,"message":{"role":"assistant","content":"<think>plan</think>Answer"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":4,"total_tokens":9}}"#
    }

    /// The same as a stream, with the tags split across chunks.
    static func thinkingStream(model: String) -> [String] {
        func chunk(_ delta: String, finish: String = "null") -> String {
            #"data: {"id":"chatcmpl-think","object":"chat.completion.chunk","created":1741569952,"model":"\#(model)","choices":[{"index":0,"delta":\#(delta),"finish_reason":\#(finish)}]}"# + "\n\n"
        }
        return [
            chunk(#"{"role":"assistant","content":""}"#), chunk(#"{"content":"<th"}"#), chunk(#"{"content":"ink>pl"}"#),
            chunk(#"{"content":"an</thi"}"#), chunk(#"{"content":"nk>Ans"}"#), chunk(#"{"content":"wer"}"#), chunk("{}", finish: #""stop""#),
            "data: [DONE]\n\n",
        ]
    }
}

// MARK: - Errors, tool calls and reasoning

extension StubShapes {
    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed]), as: UTF8.self)
    }

    /// OpenAI's 401, which shows the key it was sent with all but its ends masked.
    static func unauthorized(key authorization: String?) -> String {
        let key = authorization.map { String($0.dropFirst("Bearer ".count)) } ?? ""
        let masked = key.count > 12 ? key.prefix(8) + String(repeating: "*", count: key.count - 12) + key.suffix(4) : "***"
        return error(
            message: "Incorrect API key provided: \(masked). You can find your API key at https://platform.openai.com/account/api-keys.",
            type: "invalid_request_error", param: nil, code: "invalid_api_key")
    }

    /// Azure OpenAI's error shape for its own refusals (keys, quotas): a string code and a message.
    static func azureError(code: String, message: String) -> String {
        #"{"error":{"code":"\#(code)","message":"\#(message)"}}"#
    }

    static let azureUnauthorized =
        "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource."
    static let azureRateLimited =
        "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 7 seconds."

    /// The id of the `get_weather` call of ``toolCallCompletion(model:)`` and ``toolCallStream(model:)``.
    static let toolCallID = "call_DdmO9pD3xa9XTPNJ32zg2hcA"

    static func toolCallCompletion(model: String) -> String {
        #"""
        {"id":"chatcmpl-tools","object":"chat.completion","created":1741569952,"model":"\#(servedModel(model))","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"\#(toolCallID)","type":"function","function":{"name":"get_weather","arguments":"{\"location\":\"Paris\"}"}}],"refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":82,"completion_tokens":17,"total_tokens":99}}
        """#
    }

    /// The call streamed as OpenAI does: id and name first, then the arguments in fragments.
    static func toolCallStream(model: String) -> [String] {
        func chunk(_ delta: String, finish: String = "null") -> String {
            #"data: {"id":"chatcmpl-tools","object":"chat.completion.chunk","created":1741569952,"model":"\#(servedModel(model))","choices":[{"index":0,"delta":\#(delta),"logprobs":null,"finish_reason":\#(finish)}]}"# + "\n\n"
        }
        return [
            chunk(#"{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"\#(toolCallID)","type":"function","function":{"name":"get_weather","arguments":""}}],"refusal":null}"#),
            chunk(#"{"tool_calls":[{"index":0,"function":{"arguments":"{\""}}]}"#),
            chunk(#"{"tool_calls":[{"index":0,"function":{"arguments":"location"}}]}"#),
            chunk(#"{"tool_calls":[{"index":0,"function":{"arguments":"\":\"Paris\"}"}}]}"#),
            chunk("{}", finish: #""tool_calls""#),
            "data: [DONE]\n\n",
        ]
    }

    /// A reasoning model's answer as vLLM and DeepSeek send it: the reasoning (when the request
    /// asked for it with `reasoning_effort`) in `reasoning_content`.
    static func reasoningCompletion(model: String, thinks: Bool) -> String {
        let reasoning = thinks ? #","reasoning_content":"\#(ConformanceBehaviour.reasoningText)""# : ""
        return #"""
            {"id":"chatcmpl-reasoning","object":"chat.completion","created":1741569952,"model":"\#(model)","choices":[{"index":0,"message":{"role":"assistant","content":"\#(ConformanceBehaviour.reasoningAnswer)"\#(reasoning)},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":\#(thinks ? 12 : 6),"total_tokens":\#(thinks ? 21 : 15),"completion_tokens_details":{"reasoning_tokens":\#(thinks ? 6 : 0)}}}
            """#
    }

    static func reasoningStream(model: String, thinks: Bool) -> [String] {
        func chunk(_ delta: String, finish: String = "null") -> String {
            #"data: {"id":"chatcmpl-reasoning","object":"chat.completion.chunk","created":1741569952,"model":"\#(model)","choices":[{"index":0,"delta":\#(delta),"finish_reason":\#(finish)}]}"# + "\n\n"
        }
        let reasoning = ConformanceBehaviour.reasoningText
        let split = reasoning.index(reasoning.startIndex, offsetBy: 8)
        let thinking = [chunk(#"{"reasoning_content":"\#(reasoning[..<split])"}"#), chunk(#"{"reasoning_content":"\#(reasoning[split...])"}"#)]
        return [chunk(#"{"role":"assistant","content":""}"#)] + (thinks ? thinking : []) + [
            chunk(#"{"content":"\#(ConformanceBehaviour.reasoningAnswer)"}"#), chunk("{}", finish: #""stop""#), "data: [DONE]\n\n",
        ]
    }

    /// The text of a message's `content`: a string, or the text parts of an array.
    static func text(ofContent content: Any?) -> String {
        if let text = content as? String { return text }
        return (content as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }.joined()
    }
}
