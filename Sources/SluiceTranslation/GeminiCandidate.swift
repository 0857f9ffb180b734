import SluiceCore

/// What one Gemini `GenerateContentResponse` (a whole answer, or one stream event) says about its
/// first candidate, in the OpenAI terms the translators write.
struct GeminiCandidate {
    var text = ""
    var hasText = false
    /// Text of the parts marked `thought: true`.
    var reasoning = ""
    /// The `functionCall` parts, in order.
    var functionCalls: [FunctionCall] = []
    /// A thought signature on a part that is not a function call (a text part, or an empty one
    /// some deployments send after the calls).
    var looseSignature: String?
    var finishReason: String?
    /// Gemini's explanation of the finish reason (`finishMessage`), when it gave one.
    var finishMessage: String?
    /// Why the prompt was blocked (`promptFeedback.blockReason`), when it was.
    var blockReason: String?
    var usage: Usage?

    init(_ response: JSONValue) {
        self.blockReason = response["promptFeedback"]?["blockReason"]?.stringValue
        self.usage = response["usageMetadata"].map(Usage.init(geminiUsage:))
        guard let candidate = response["candidates"]?.arrayValue?.first else { return }
        self.finishReason = candidate["finishReason"]?.stringValue
        self.finishMessage = candidate["finishMessage"]?.stringValue
        for part in candidate["content"]?["parts"]?.arrayValue ?? [] {
            if part.present("functionCall") == nil, let signature = part["thoughtSignature"]?.stringValue { self.looseSignature = signature }
            if let text = part["text"]?.stringValue {
                if part["thought"]?.boolValue == true {
                    self.reasoning += text
                } else {
                    self.text += text
                    self.hasText = true
                }
            } else if let call = part.present("functionCall") {
                let arguments = String(decoding: (call.present("args") ?? [:]).serialized, as: UTF8.self)
                self.functionCalls.append(FunctionCall(
                    name: call["name"]?.stringValue ?? "", arguments: arguments, geminiID: call["id"]?.stringValue,
                    signature: part["thoughtSignature"]?.stringValue))
            }
        }
    }

    /// One `functionCall` part.
    struct FunctionCall {
        var name: String
        /// The `args` as JSON text.
        var arguments: String
        var geminiID: String?
        var signature: String?

        /// `calls` as OpenAI tool calls (`id`, `type`, `function`), their ids carrying their
        /// thought signatures (``GeminiToolCallID``). Gemini signs a step on its first call, and
        /// some deployments sign a text part instead: a step whose calls carry no signature gets
        /// `looseSignature` on its first call, where Gemini looks for it on the next request.
        static func openAIToolCalls(_ calls: [FunctionCall], looseSignature: String?) -> [JSONValue] {
            let borrowsSignature = calls.allSatisfy { $0.signature == nil }
            return calls.enumerated().map { index, call in
                let signature = call.signature ?? (borrowsSignature && index == 0 ? looseSignature : nil)
                return [
                    "id": .string(GeminiToolCallID.encode(geminiID: call.geminiID, signature: signature)),
                    "type": "function",
                    "function": ["name": .string(call.name), "arguments": .string(call.arguments)],
                ]
            }
        }
    }

    /// Whether the candidate carries anything for the client.
    var hasContent: Bool { self.hasText || !self.reasoning.isEmpty || !self.functionCalls.isEmpty }

    /// A tool call id in OpenAI's style, for a call Gemini gave none.
    static func generatedCallID() -> String { "call_" + Self.randomToken() }

    /// A completion id in OpenAI's style, for an answer without `responseId`.
    static func completionID(responseID: String?) -> String { "chatcmpl-" + (responseID ?? Self.randomToken()) }

    static func randomToken() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        return String((0..<24).map { _ in alphabet.randomElement()! })
    }
}
