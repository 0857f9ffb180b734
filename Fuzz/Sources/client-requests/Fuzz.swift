import FuzzSupport
import SluiceCore
import SluiceTranslation

/// Request bodies of every client dialect: what `InferenceRequest` reads of them for each endpoint
/// (OpenAI chat, completions, embeddings, Responses; Anthropic Messages goes through the same
/// reader for its model and stream), the body edits the gateway splices in, and every request
/// translator. Each input is tried as all of them.
///
/// Asserts:
/// - the splices (`upstreamEdits`: the upstream's model name, `stream_options.include_usage`) give
///   a body that reads back with that model and, for a stream, usage asked for;
/// - a request with no output limit gets one from `limitingOutput`, and its body reads back;
/// - a continuation body (`ContinuationRequest`) is a JSON object;
/// - every translation that succeeds is a JSON object, in UTF-8 when the input was.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = bytes(data, size)
    body.withUnsafeBytes { raw in
        for endpoint in Endpoint.allCases { checkSummary(of: raw, as: endpoint) }
    }
    translations(of: body)
    return 0
}

private let upstreamModel = #"up"stream\model"#

private func summary(of raw: UnsafeRawBufferPointer, as endpoint: Endpoint) -> InferenceRequest? {
    try? InferenceRequest(endpoint: endpoint, bytes: raw)
}

private func checkSummary(of raw: UnsafeRawBufferPointer, as endpoint: Endpoint) {
    guard let request = summary(of: raw, as: endpoint) else { return }

    let edited = BodyEdit.apply(request.upstreamEdits(upstreamModel: upstreamModel, in: raw), to: raw)
    checkJSONObject(edited, utf8: false, "the \(endpoint) body with upstream edits")
    guard let reread = edited.withUnsafeBytes({ summary(of: $0, as: endpoint) }) else {
        violation("the \(endpoint) body with upstream edits no longer reads: \(String(decoding: edited.prefix(300), as: UTF8.self))")
    }
    check(reread.model == upstreamModel, "the edited body names model '\(reread.model)'")
    if request.stream && endpoint != .responses {
        check(reread.clientWantsStreamUsage, "the edited \(endpoint) stream does not ask for usage")
    }

    if request.maxOutputTokens == nil {
        guard let limited = request.limitingOutput(to: 321, in: raw) else { violation("limitingOutput failed on a \(endpoint) request") }
        checkJSONObject(limited.body, utf8: false, "the \(endpoint) body with an output limit")
        check(limited.request.maxOutputTokens == 321, "the limited \(endpoint) body reads limit \(String(describing: limited.request.maxOutputTokens))")
    }

    let partial = Array(#"so far \"quoted\" \u00e9"#.utf8)
    if let continuation = ContinuationRequest.body(of: request, bytes: raw, partialText: partial, producedTokens: 3) {
        checkJSONObject(continuation, utf8: false, "the \(endpoint) continuation body")
    }
}

private func translations(of body: [UInt8]) {
    if let out = try? AnthropicRequestTranslator.translate(openAIChat: body, model: "claude-x", defaultMaxTokens: 4096) {
        checkJSONObject(out, utf8: isUTF8(body), "the Anthropic translation of a chat request")
    }
    if let out = try? BedrockRequestTranslator.translate(openAIChat: body, model: "bedrock-x") {
        checkJSONObject(out, utf8: isUTF8(body), "the Bedrock translation of a chat request")
    }
    if let out = try? GeminiRequestTranslator.translate(openAIChat: body, model: "gemini-x") {
        checkJSONObject(out, utf8: isUTF8(body), "the Gemini translation of a chat request")
    }
    if let out = try? GeminiEmbeddingsTranslator.translate(openAIEmbeddings: body, model: "gemini-embed") {
        checkJSONObject(out, utf8: isUTF8(body), "the Gemini translation of an embeddings request")
    }
    if let out = try? OpenAIRequestTranslator.translate(anthropicMessages: body, model: "gpt-x") {
        checkJSONObject(out, utf8: isUTF8(body), "the OpenAI translation of a Messages request")
    }
    _ = try? AnthropicPromptEstimate.inputTokens(ofAnthropicMessages: body)
    if let form = try? ResponsesRequestTranslator.translate(responses: body, model: "gpt-x", seal: HexSeal(), refuseHostedTools: body.count % 2 == 0) {
        checkJSONObject(form.body, utf8: isUTF8(body), "the chat form of a Responses request")
    }
}

/// A reversible stand-in for the gateway's authenticated seal: hex, behind a prefix.
struct HexSeal: ReasoningSeal {
    func seal(_ plaintext: [UInt8]) -> String {
        "hex:" + plaintext.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    func open(_ envelope: String) -> [UInt8]? {
        guard envelope.hasPrefix("hex:") else { return nil }
        let digits = Array(envelope.utf8.dropFirst(4))
        guard digits.count % 2 == 0 else { return nil }
        return stride(from: 0, to: digits.count, by: 2).compactMap { UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16) }
    }
}
