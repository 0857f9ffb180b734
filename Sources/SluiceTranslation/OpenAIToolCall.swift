/// A function call from an OpenAI assistant message's `tool_calls`, with its arguments parsed.
struct OpenAIToolCall {
    let id: String
    let name: String
    /// The arguments as a JSON object (empty when the call sent none).
    let arguments: JSONValue

    /// The calls of `message`, in order.
    /// - Throws: 400 for a call that is not a function call or whose arguments are not a JSON object.
    static func calls(of message: JSONValue, at path: String) throws(TranslationError) -> [OpenAIToolCall] {
        var calls: [OpenAIToolCall] = []
        for (index, call) in (try message.optionalArray("tool_calls", at: "\(path).tool_calls") ?? []).enumerated() {
            let callPath = "\(path).tool_calls[\(index)]"
            guard let function = call.present("function") else {
                throw TranslationError.unsupported("\(callPath).type", "only function tool calls can be translated")
            }
            let text = try function.optionalString("arguments", at: "\(callPath).function.arguments") ?? ""
            var arguments: JSONValue = [:]
            if !text.isBlank {
                guard let parsed = try? JSONValue.parseObject(text.utf8) else {
                    throw TranslationError.invalidRequest("'\(callPath).function.arguments' must be a JSON object", param: "\(callPath).function.arguments")
                }
                arguments = parsed
            }
            calls.append(OpenAIToolCall(
                id: try call.requiredString("id", at: "\(callPath).id"),
                name: try function.requiredString("name", at: "\(callPath).function.name"),
                arguments: arguments
            ))
        }
        return calls
    }
}
