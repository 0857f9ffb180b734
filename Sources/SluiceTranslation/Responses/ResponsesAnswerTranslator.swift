import SluiceCore

/// Turns a chat completion into a Responses `response` object.
///
/// The first choice's reasoning becomes a `reasoning` item (``ResponsesOutputItems/reasoning(id:reasoning:summary:context:)``),
/// its text an assistant `message` with an `output_text` part (and its `refusal` a `refusal`
/// part), each tool call a `function_call` item whose `call_id` is the chat call's id, in that
/// order. `finish_reason` `length` makes the response `incomplete` for `max_output_tokens`,
/// `content_filter` for `content_filter`; anything else `completed`.
public enum ResponsesAnswerTranslator {
    /// Translates `body`, the chat completion answering the request of `chatForm`.
    /// - Parameters:
    ///   - responseID: the response's id (`resp_...`).
    ///   - createdAt: the Unix time the response was created.
    ///   - publicModel: the model name the client asked for.
    ///   - request: the client's request, as the response object repeats it.
    ///   - chatForm: the translation of the request (nil counts as one without namespaces).
    ///   - seal: seals the backend's reasoning when the client asked for `reasoning.encrypted_content`.
    ///   - ids: makes the output items' ids.
    public static func translate(
        openAIChat body: some Collection<UInt8>, responseID: String, createdAt: Int, publicModel: String, request: ResponsesRequestEcho,
        chatForm: ResponsesChatForm?, seal: (any ReasoningSeal)?, ids: ResponsesIDs = ResponsesIDs()
    ) throws(TranslationError) -> [UInt8] {
        let context = ResponsesAnswerContext(
            responseID: responseID, createdAt: createdAt, publicModel: publicModel, echo: request,
            toolNames: chatForm?.toolNames ?? ResponsesToolNames(), seal: seal
        )
        var ids = ids
        let completion: JSONValue
        do {
            completion = try JSONValue.parseObject(body)
        } catch {
            throw TranslationError.upstreamInvalid("the upstream's completion is not valid JSON (\(error.reason))")
        }
        guard let choice = completion["choices"]?.arrayValue?.first, let message = choice["message"] else {
            throw TranslationError.upstreamInvalid("the upstream's completion has no choice")
        }
        let incompleteReason = ResponsesOutputItems.incompleteReason(forFinishReason: choice["finish_reason"]?.stringValue)
        let itemStatus = incompleteReason == nil ? "completed" : "incomplete"
        var output: [[UInt8]] = []

        var reasoning = ResponsesReasoningForm()
        reasoning.add(message: message)
        if !reasoning.isEmpty {
            let id = ids.next(ResponsesIDs.reasoningPrefix)
            output.append(ResponsesOutputItems.reasoning(id: id, reasoning: reasoning, summary: context.echo.wantsReasoningSummary, context: context).serialized)
        }
        var content: [JSONValue] = []
        if let text = message.present("content")?.stringValue, !text.isEmpty {
            content.append(ResponsesOutputItems.outputText(text, logprobs: choice.present("logprobs")?.present("content") ?? []))
        }
        if let refusal = message.present("refusal")?.stringValue, !refusal.isEmpty {
            content.append(ResponsesOutputItems.refusal(refusal))
        }
        if !content.isEmpty {
            let id = ids.next(ResponsesIDs.messagePrefix)
            output.append(ResponsesOutputItems.message(id: id, status: itemStatus, content: content).serialized)
        }
        for (index, call) in (message.present("tool_calls")?.arrayValue ?? []).enumerated() {
            guard let function = call["function"], let name = function["name"]?.stringValue else {
                throw TranslationError.upstreamInvalid("the upstream's tool call \(index) has no function name")
            }
            let id = ids.next(ResponsesIDs.functionCallPrefix)
            output.append(ResponsesOutputItems.functionCall(
                id: id, status: itemStatus, callID: call["id"]?.stringValue ?? ids.next(ResponsesIDs.callPrefix), chatName: name,
                arguments: function["arguments"]?.stringValue ?? "", toolNames: context.toolNames
            ).serialized)
        }
        let chatUsage = completion.present("usage")
        let usage = chatUsage.map(Usage.init(openAIUsage:)) ?? Usage(promptTokens: 0, completionTokens: 0)
        let responseUsage = usage.responsesJSON(reasoningTokens: chatUsage.map(Usage.reasoningTokens(inOpenAIUsage:)) ?? 0)
        return context.echo.responseObject(
            context, status: incompleteReason == nil ? "completed" : "incomplete", output: output, usage: responseUsage,
            incompleteReason: incompleteReason
        )
    }
}
