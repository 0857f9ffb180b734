import Foundation

/// An OpenAI answer whose length and usage follow the request, as a real server's do: `n`
/// choices of `max_tokens` (or `max_completion_tokens`) tokens each, or of ``naturalLength``
/// tokens when the request sets no limit or the server ignores it. One token is one word and
/// one stream event; prompt tokens are the request's `messages` (or `prompt`) bytes over four.
struct StubMeteredAnswer {
    /// How long an answer runs when nothing stops it earlier.
    static let naturalLength = 6000

    let id = "chatcmpl-metered"
    let model: String
    let choices: Int
    let tokensPerChoice: Int
    let promptTokens: Int
    let completions: Bool

    /// - Parameter honoursLimits: false for a server that ignores `max_tokens`.
    init(request json: [String: Any], rawBody: String, completions: Bool, honoursLimits: Bool) {
        self.model = json["model"] as? String ?? ""
        self.choices = max(1, json["n"] as? Int ?? 1)
        let limit = (json["max_completion_tokens"] as? Int) ?? (json["max_tokens"] as? Int)
        self.tokensPerChoice = honoursLimits ? min(limit ?? Self.naturalLength, Self.naturalLength) : Self.naturalLength
        self.promptTokens = Self.promptTokens(of: json[completions ? "prompt" : "messages"], rawBody: rawBody)
        self.completions = completions
    }

    /// The prompt tokens every stub counts: a quarter of the prompt's bytes (the JSON of the
    /// request member that holds it), or of the whole body when it has none; at least 1.
    static func promptTokens(of prompt: Any?, rawBody: String) -> Int {
        let input = prompt.flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.fragmentsAllowed]) }
        return max(1, (input?.count ?? rawBody.utf8.count) / 4)
    }

    /// The output tokens every stub produces: the request's limit, up to ``naturalLength``.
    static func outputTokens(limit: Int?) -> Int {
        min(max(limit ?? Self.naturalLength, 1), Self.naturalLength)
    }

    var completionTokens: Int { self.choices * self.tokensPerChoice }

    private var usage: String {
        #"{"prompt_tokens":\#(self.promptTokens),"completion_tokens":\#(self.completionTokens),"total_tokens":\#(self.promptTokens + self.completionTokens)}"#
    }

    private var finishReason: String { self.tokensPerChoice < Self.naturalLength ? "length" : "stop" }

    /// The whole answer.
    var completeJSON: String {
        let text = String(repeating: "tok ", count: self.tokensPerChoice)
        let choices = (0..<self.choices).map { index in
            self.completions
                ? #"{"text":"\#(text)","index":\#(index),"logprobs":null,"finish_reason":"\#(self.finishReason)"}"#
                : #"{"index":\#(index),"message":{"role":"assistant","content":"\#(text)","refusal":null},"logprobs":null,"finish_reason":"\#(self.finishReason)"}"#
        }
        let object = self.completions ? "text_completion" : "chat.completion"
        return #"{"id":"\#(self.id)","object":"\#(object)","created":1741569952,"model":"\#(self.model)","choices":[\#(choices.joined(separator: ","))],"usage":\#(self.usage)}"#
    }

    /// The stream: one event per token, choices in turn, then the finish events, the usage chunk and `[DONE]`.
    var events: some Sequence<String> {
        let object = self.completions ? "text_completion" : "chat.completion.chunk"
        func event(_ choices: String, usage: String = "null") -> String {
            #"data: {"id":"\#(self.id)","object":"\#(object)","created":1741569952,"model":"\#(self.model)","choices":[\#(choices)],"usage":\#(usage)}"# + "\n\n"
        }
        let tokens = (0..<(self.tokensPerChoice * self.choices)).lazy.map { step in
            let index = step % self.choices
            return event(self.completions
                ? #"{"text":"tok ","index":\#(index),"logprobs":null,"finish_reason":null}"#
                : #"{"index":\#(index),"delta":{"content":"tok "},"logprobs":null,"finish_reason":null}"#)
        }
        let finishes = (0..<self.choices).map { index in
            event(self.completions
                ? #"{"text":"","index":\#(index),"logprobs":null,"finish_reason":"\#(self.finishReason)"}"#
                : #"{"index":\#(index),"delta":{},"logprobs":null,"finish_reason":"\#(self.finishReason)"}"#)
        }
        return [AnySequence(tokens), AnySequence(finishes), AnySequence([event("", usage: self.usage), "data: [DONE]\n\n"])].joined()
    }
}
