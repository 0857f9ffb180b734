import FuzzSupport
import SluiceCore
import SluiceTranslation

/// Non-streamed upstream answers: Anthropic messages, Bedrock Converse responses and Gemini
/// answers translated to OpenAI chat completions, OpenAI completions translated to Anthropic
/// messages and to Responses objects, a reasoning server's answer normalised, Gemini embeddings,
/// and the error bodies of every provider. Each input is tried as all of them.
///
/// Asserts that every translated body is a JSON object, in UTF-8 when the input was, and that a
/// mapped error keeps an HTTP status in 400...599 and renders as a JSON object in UTF-8.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = bytes(data, size)
    let strips = body.count % 2 == 0
    if let out = try? AnthropicResponseTranslator.translate(anthropicMessage: body, publicModel: "m", created: 1, stripsReasoning: strips) {
        checkJSONObject(out.body, utf8: isUTF8(body), "the translation of an Anthropic message")
    }
    if let out = try? BedrockResponseTranslator.translate(converseResponse: body, id: "chatcmpl-1", publicModel: "m", created: 1) {
        checkJSONObject(out.body, utf8: isUTF8(body), "the translation of a Converse response")
    }
    if let out = try? GeminiResponseTranslator.translate(geminiResponse: body, publicModel: "m", created: 1, stripsReasoning: strips) {
        checkJSONObject(out.body, utf8: isUTF8(body), "the translation of a Gemini answer")
    }
    if let out = try? GeminiEmbeddingsTranslator.translate(geminiEmbeddings: body, publicModel: "m") {
        checkJSONObject(out, utf8: isUTF8(body), "the translation of Gemini embeddings")
    }
    let policy = ReasoningPolicy(parsesThinkTags: true, startsInsideThinkTag: body.count % 3 == 0, strips: strips)
    if let out = try? OpenAIResponseTranslator.translate(openAIChat: body, publicModel: "m", reasoning: policy) {
        checkJSONObject(out.body, utf8: isUTF8(body), "the Anthropic translation of a chat completion")
    }
    if let out = try? OpenAIReasoningNormalizer.normalize(openAIChat: body, policy: policy) {
        checkJSONObject(out, utf8: isUTF8(body), "the normalised chat completion")
    }
    if let out = try? ResponsesAnswerTranslator.translate(
        openAIChat: body, responseID: "resp_1", createdAt: 1, publicModel: "m", request: ResponsesRequestEcho(clientBody: body),
        chatForm: nil, seal: nil, ids: ResponsesIDs(seed: 1)
    ) {
        checkJSONObject(out, utf8: isUTF8(body), "the Responses translation of a chat completion")
    }
    for status in [400, 429, 500, 529] {
        for error in [
            AnthropicErrorMapping.gatewayError(status: status, anthropicBody: body),
            BedrockErrorMapping.gatewayError(status: status, exceptionType: "ThrottlingException", body: body),
            GeminiErrorMapping.gatewayError(status: status, geminiBody: body),
        ] {
            check((400...599).contains(error.status), "a mapped upstream error has status \(error.status)")
            checkJSONObject(AnthropicErrorMapping.body(for: error, requestID: "req_1"), utf8: isUTF8(body), "an Anthropic error body")
        }
    }
    return 0
}
