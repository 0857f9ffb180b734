import FuzzSupport
import SluiceTranslation

/// An OpenAI-compatible upstream's chat completion stream (SSE), as three consumers read it: the
/// translation to an Anthropic Messages stream, the translation to a Responses stream, and the
/// normaliser that moves a reasoning server's `<think>` text into `reasoning_content`.
///
/// Asserts, for each, that the bytes arriving in pieces make no difference (see
/// `translateBothWays`) and that every event written carries a JSON object, in UTF-8 when the
/// input was (`[DONE]` passes through the normaliser); that an Anthropic event's name is its
/// `type`; and the Responses stream's own contract: each event's name is its `type`, and
/// `sequence_number` counts up from 0.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = bytes(data, size)
    let policy = ReasoningPolicy(parsesThinkTags: true, startsInsideThinkTag: input.count % 2 == 0, strips: input.count % 3 == 0)

    if let output = translateBothWays(
        input, "the OpenAI-to-Anthropic stream translator",
        start: { OpenAIStreamToAnthropic(publicModel: "m", reasoning: policy, estimatedInputTokens: 7) },
        feed: { try $0.translate($1) }, finish: { _ in [] }
    ) {
        for event in outputEvents(output, "the Anthropic stream") {
            checkJSONObject(event.data, utf8: isUTF8(input), "an Anthropic stream event")
            let type = (try? JSONValue.parseObject(event.data))?["type"]?.stringValue
            check(event.name != nil && event.name == type, "an Anthropic event named \(event.name ?? "nothing") has type \(type ?? "none")")
        }
    }

    let request = Array(#"{"model":"m","input":"hi","stream":true}"#.utf8)
    if let output = translateBothWays(
        input, "the Responses stream translator",
        start: {
            OpenAIStreamToResponses(
                responseID: "resp_1", createdAt: 1, publicModel: "m", request: ResponsesRequestEcho(clientBody: request), chatForm: nil,
                seal: nil, ids: ResponsesIDs(seed: 1))
        },
        feed: { try $0.translate($1) }, finish: { $0.finish() }
    ) {
        for (index, event) in outputEvents(output, "the Responses stream").enumerated() {
            checkJSONObject(event.data, utf8: isUTF8(input), "a Responses stream event")
            let object = try? JSONValue.parseObject(event.data)
            check(object?["sequence_number"]?.intValue == index, "Responses event \(index) has sequence number \(String(describing: object?["sequence_number"]))")
            check(event.name != nil && event.name == object?["type"]?.stringValue, "a Responses event's name is not its type")
        }
    }

    if let output = translateBothWays(
        input, "the reasoning normaliser", start: { OpenAIReasoningNormalizer(policy: policy) }, feed: { try $0.normalize($1) }, finish: { _ in [] }
    ) {
        checkEventsCarryJSON(output, utf8: false, allowsDone: true, "the normalised stream")
    }
    return 0
}
