import FuzzSupport
import SluiceTranslation

/// A Gemini `streamGenerateContent?alt=sse` stream translated to OpenAI chat completion chunks.
///
/// Asserts that the bytes arriving in pieces make no difference (see `translateBothWays`; the
/// ids made up for an answer without `responseId` are random, and masked), and that every event
/// written, `finish()`'s included, carries a JSON object (in UTF-8 when the input was), or `[DONE]`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = bytes(data, size)
    for (includeUsage, strips) in [(true, false), (false, true)] {
        let output = translateBothWays(
            input, "the Gemini stream translator",
            start: { GeminiStreamToOpenAI(publicModel: "m", created: 1, includeUsage: includeUsage, stripsReasoning: strips) },
            feed: { try $0.translate($1) }, finish: { $0.finish() }, masked: maskingRandomIDs
        )
        if let output { checkEventsCarryJSON(output, utf8: isUTF8(input), allowsDone: true, "the OpenAI stream from a Gemini one") }
    }
    return 0
}
