/// The output items of a `response` object, in the shapes OpenAI writes them, for the whole
/// and the streamed answer alike.
enum ResponsesOutputItems {
    /// An assistant `message` item with its `output_text` and `refusal` parts.
    static func message(id: String, status: String, content: [JSONValue]) -> JSONValue {
        ["id": .string(id), "type": "message", "status": .string(status), "content": .array(content), "role": "assistant"]
    }

    static func outputText(_ text: String, logprobs: JSONValue = []) -> JSONValue {
        ["type": "output_text", "annotations": [], "logprobs": logprobs, "text": .string(text)]
    }

    static func refusal(_ text: String) -> JSONValue {
        ["type": "refusal", "refusal": .string(text)]
    }

    /// A `function_call` item; `chatName` is the name the backend called, mapped back to the
    /// function's own name and namespace.
    static func functionCall(
        id: String, status: String, callID: String, chatName: String, arguments: String, toolNames: ResponsesToolNames
    ) -> JSONValue {
        let original = toolNames.original(ofChatName: chatName)
        var item = ObjectBuilder()
        item.set("id", .string(id))
        item.set("type", "function_call")
        item.set("status", .string(status))
        item.set("arguments", .string(arguments))
        item.set("call_id", .string(callID))
        item.set("name", .string(original.name))
        item.set("namespace", original.namespace.map(JSONValue.string))
        return item.object
    }

    /// A `reasoning` item: the reasoning text as its summary when the client asked for one, and
    /// the reasoning sealed as `encrypted_content` when it asked for that.
    static func reasoning(id: String, reasoning: ResponsesReasoningForm, summary: Bool, context: ResponsesAnswerContext) -> JSONValue {
        var item = ObjectBuilder()
        item.set("id", .string(id))
        item.set("type", "reasoning")
        item.set("summary", summary && reasoning.hasText ? [["type": "summary_text", "text": .string(reasoning.text)]] : [])
        if context.echo.includesEncryptedReasoning, let seal = context.seal {
            item.set("encrypted_content", .string(seal.seal(reasoning.plaintext)))
        }
        return item.object
    }

    /// The `incomplete_details.reason` for a chat `finish_reason`; nil for a finished answer.
    static func incompleteReason(forFinishReason reason: String?) -> String? {
        switch reason {
        case "length": "max_output_tokens"
        case "content_filter": "content_filter"
        default: nil
        }
    }
}
