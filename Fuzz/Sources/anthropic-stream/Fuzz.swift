import FuzzSupport
import SluiceTranslation

/// An Anthropic Messages stream (upstream SSE) translated to OpenAI chat completion chunks.
///
/// Asserts that the bytes arriving in pieces make no difference (see `translateBothWays`), and
/// that every event written carries a JSON object (in UTF-8 when the input was), or `[DONE]`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = bytes(data, size)
    for (includeUsage, strips) in [(true, false), (false, true)] {
        let output = translateBothWays(
            input, "the Anthropic stream translator",
            start: { AnthropicStreamToOpenAI(publicModel: "m", created: 1, includeUsage: includeUsage, stripsReasoning: strips) },
            feed: { try $0.translate($1) }, finish: { _ in [] }
        )
        if let output { checkEventsCarryJSON(output, utf8: isUTF8(input), allowsDone: true, "the OpenAI stream from an Anthropic one") }
    }
    return 0
}
