import SluiceCore

/// What one Gemini `GenerateContentResponse` (a whole answer, or one stream event) says about its
/// first candidate, in the OpenAI terms the translators write.
struct GeminiCandidate {
    var text = ""
    var hasText = false
    /// Text of the parts marked `thought: true`.
    var reasoning = ""
    /// The `functionCall` parts, in order.
    var functionCalls: [(name: String, arguments: String, id: String?)] = []
    var finishReason: String?
    /// Why the prompt was blocked (`promptFeedback.blockReason`), when it was.
    var blockReason: String?
    var usage: Usage?

    init(_ response: JSONValue) {
        self.blockReason = response["promptFeedback"]?["blockReason"]?.stringValue
        self.usage = response["usageMetadata"].map(Usage.init(geminiUsage:))
        guard let candidate = response["candidates"]?.arrayValue?.first else { return }
        self.finishReason = candidate["finishReason"]?.stringValue
        for part in candidate["content"]?["parts"]?.arrayValue ?? [] {
            if let text = part["text"]?.stringValue {
                if part["thought"]?.boolValue == true {
                    self.reasoning += text
                } else {
                    self.text += text
                    self.hasText = true
                }
            } else if let call = part.present("functionCall") {
                let arguments = String(decoding: (call.present("args") ?? [:]).serialized, as: UTF8.self)
                self.functionCalls.append((name: call["name"]?.stringValue ?? "", arguments: arguments, id: call["id"]?.stringValue))
            }
        }
    }

    /// Whether the candidate carries anything for the client.
    var hasContent: Bool { self.hasText || !self.reasoning.isEmpty || !self.functionCalls.isEmpty }

    /// A tool call id in OpenAI's style, for a call Gemini gave none.
    static func generatedCallID() -> String { "call_" + Self.randomToken() }

    /// A completion id in OpenAI's style, for an answer without `responseId`.
    static func completionID(responseID: String?) -> String { "chatcmpl-" + (responseID ?? Self.randomToken()) }

    private static func randomToken() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        return String((0..<24).map { _ in alphabet.randomElement()! })
    }
}
