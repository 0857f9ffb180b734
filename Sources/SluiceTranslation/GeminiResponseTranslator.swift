import SluiceCore

/// Turns a Gemini `generateContent` response into an OpenAI chat completion.
///
/// The first candidate's text parts join into `content`, those marked `thought: true` into
/// `reasoning_content`, and `functionCall` parts become `tool_calls` with their `args` as a JSON
/// string and `call_…` ids that carry their thought signatures (``GeminiToolCallID``). An answer
/// the filters blocked before producing anything (`promptFeedback.blockReason`, or a filtered
/// `finishReason` with no content) is refused with a 400 whose code is `content_filter`; a partly
/// produced one ends with that `finish_reason`. A
/// malformed function call (``GeminiFinishReason/isFailedToolCall(_:)``) is a 502 whose code is
/// `malformed_function_call`.
public enum GeminiResponseTranslator {
    /// Translates `body`.
    /// - Parameters:
    ///   - publicModel: the model name the client asked for.
    ///   - created: the Unix time of the completion.
    ///   - stripsReasoning: whether thought parts are left out of the answer.
    public static func translate(
        geminiResponse body: some Collection<UInt8>, publicModel: String, created: Int, stripsReasoning: Bool = false
    ) throws(TranslationError) -> TranslatedResponse {
        let response: JSONValue
        do {
            response = try JSONValue.parseObject(body)
        } catch {
            throw TranslationError.upstreamInvalid("the upstream's answer is not valid JSON (\(error.reason))")
        }
        let candidate = GeminiCandidate(response)
        if let blockReason = candidate.blockReason { throw TranslationError.contentFiltered(blockReason) }
        if let finishReason = candidate.finishReason, GeminiFinishReason.isFiltered(finishReason), !candidate.hasContent {
            throw TranslationError.contentFiltered(finishReason)
        }
        if let finishReason = candidate.finishReason, GeminiFinishReason.isFailedToolCall(finishReason) {
            throw TranslationError.malformedToolCall(finishReason, detail: candidate.finishMessage)
        }
        guard response["candidates"]?.arrayValue?.isEmpty == false else {
            throw TranslationError.upstreamInvalid("the upstream's answer has no candidates")
        }
        var reply = ObjectBuilder()
        reply.set("role", "assistant")
        reply.set("content", candidate.hasText ? .string(candidate.text) : .null)
        reply.set("refusal", .null)
        if !candidate.functionCalls.isEmpty {
            reply.set("tool_calls", .array(GeminiCandidate.FunctionCall.openAIToolCalls(candidate.functionCalls, looseSignature: candidate.looseSignature)))
        }
        if !candidate.reasoning.isEmpty, !stripsReasoning { reply.set("reasoning_content", .string(candidate.reasoning)) }
        let finishReason = candidate.finishReason.map {
            JSONValue.string(GeminiFinishReason.openAI($0, callsFunctions: !candidate.functionCalls.isEmpty))
        } ?? .null
        var completion = ObjectBuilder()
        completion.set("id", .string(GeminiCandidate.completionID(responseID: response["responseId"]?.stringValue)))
        completion.set("object", "chat.completion")
        completion.set("created", .integer(created))
        completion.set("model", .string(publicModel))
        completion.set("choices", [["index": 0, "message": reply.object, "logprobs": .null, "finish_reason": finishReason]])
        completion.set("usage", candidate.usage?.openAIJSON)
        return TranslatedResponse(body: completion.object.serialized, usage: candidate.usage)
    }
}
