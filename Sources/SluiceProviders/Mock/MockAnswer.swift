import Foundation
import SluiceCore

/// The deterministic answer the mock gives to one request, rendered in OpenAI's exact JSON and
/// SSE shapes.
struct MockAnswer: Sendable {
    let endpoint: Endpoint
    let model: String
    let id: String
    let created: Int
    let tokens: [String]
    let promptTokens: Int
    /// `stop` when the answer ended naturally, `length` when `max_tokens` cut it.
    let finishReason: String

    static let fingerprint = "fp_sluice_mock"

    init(request: InferenceRequest, body: UnsafeRawBufferPointer, model: String, naturalLength: Int) {
        self.endpoint = request.endpoint
        self.model = JSONString.quoted(model)
        let input = request.members.member(request.endpoint == .chatCompletions ? "messages" : "prompt")
        let inputBytes = input.map { UnsafeRawBufferPointer(rebasing: body[$0.value]) } ?? UnsafeRawBufferPointer(start: nil, count: 0)
        self.promptTokens = max(1, inputBytes.count / 4)
        let limit = request.maxOutputTokens ?? naturalLength
        self.tokens = MockText.tokens(count: min(limit, naturalLength), seed: MockText.seed(of: inputBytes))
        self.finishReason = limit < naturalLength ? "length" : "stop"
        self.id = (request.endpoint == .chatCompletions ? "chatcmpl-" : "cmpl-") + MockText.randomID()
        self.created = Int(Date().timeIntervalSince1970)
    }

    var usageJSON: String {
        #"{"prompt_tokens":\#(self.promptTokens),"completion_tokens":\#(self.tokens.count),"total_tokens":\#(self.promptTokens + self.tokens.count),"#
            + #""prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}"#
    }

    /// The whole answer as one JSON document.
    var completeJSON: String {
        let text = JSONString.quoted(self.tokens.joined())
        let head = #"{"id":"\#(self.id)","object":"\#(self.objectName)","created":\#(self.created),"model":\#(self.model),"system_fingerprint":"\#(Self.fingerprint)","#
        let choice = switch self.endpoint {
        case .chatCompletions:
            #"{"index":0,"message":{"role":"assistant","content":\#(text),"refusal":null},"logprobs":null,"finish_reason":"\#(self.finishReason)"}"#
        default:
            #"{"text":\#(text),"index":0,"logprobs":null,"finish_reason":"\#(self.finishReason)"}"#
        }
        return head + #""choices":[\#(choice)],"usage":\#(self.usageJSON)}"#
    }

    private var objectName: String { self.endpoint == .chatCompletions ? "chat.completion" : "text_completion" }
    private var chunkObjectName: String { self.endpoint == .chatCompletions ? "chat.completion.chunk" : "text_completion" }

    private func chunk(choices: String, usage: String = "null") -> String {
        #"data: {"id":"\#(self.id)","object":"\#(self.chunkObjectName)","created":\#(self.created),"model":\#(self.model),"#
            + #""system_fingerprint":"\#(Self.fingerprint)","choices":[\#(choices)],"usage":\#(usage)}"# + "\n\n"
    }

    /// The event carrying token `index`; the first chat event also announces the role.
    func tokenEvent(_ index: Int) -> String {
        let text = JSONString.quoted(self.tokens[index])
        switch self.endpoint {
        case .chatCompletions:
            let role = index == 0
                ? self.chunk(choices: #"{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}"#)
                : ""
            return role + self.chunk(choices: #"{"index":0,"delta":{"content":\#(text)},"logprobs":null,"finish_reason":null}"#)
        default:
            return self.chunk(choices: #"{"text":\#(text),"index":0,"logprobs":null,"finish_reason":null}"#)
        }
    }

    /// The finishing event, the usage event and the `[DONE]` sentinel.
    var closingEvents: String {
        let finish = switch self.endpoint {
        case .chatCompletions: #"{"index":0,"delta":{},"logprobs":null,"finish_reason":"\#(self.finishReason)"}"#
        default: #"{"text":"","index":0,"logprobs":null,"finish_reason":"\#(self.finishReason)"}"#
        }
        return self.chunk(choices: finish) + self.chunk(choices: "", usage: self.usageJSON) + "data: [DONE]\n\n"
    }
}
