import SluiceCore
import SluiceServer
import SluiceTranslation
import Testing

/// One Responses stream event: its `event:` name and its data.
private struct ResponsesEvent {
    var name: String
    var data: JSONValue
    var type: String { self.data["type"]?.stringValue ?? "" }
}

private func parseEvents(_ bytes: [UInt8]) -> [ResponsesEvent] {
    let text = String(decoding: bytes, as: UTF8.self)
    #expect(text.isEmpty || text.hasSuffix("\n\n"), "every event ends with a blank line")
    return text.split(separator: "\n\n", omittingEmptySubsequences: true).map { block in
        var event = ResponsesEvent(name: "", data: .null)
        for line in block.split(separator: "\n") {
            if line.hasPrefix("event: ") { event.name = String(line.dropFirst(7)) }
            if line.hasPrefix("data: ") { event.data = responsesJSON(String(line.dropFirst(6))) }
        }
        return event
    }
}

/// A chat completion chunk event with `delta` (and `finish_reason`), as OpenAI-compatible servers stream them.
private func chunk(_ delta: String, finish: String? = nil) -> String {
    let reason = finish.map { "\"\($0)\"" } ?? "null"
    return #"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"up","choices":[{"index":0,"delta":\#(delta),"logprobs":null,"finish_reason":\#(reason)}]}"# + "\n\n"
}

private let usageChunk = #"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"up","choices":[],"usage":{"prompt_tokens":11,"completion_tokens":7,"total_tokens":18,"prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":3}}}"# + "\n\n"
private let done = "data: [DONE]\n\n"

private func toolDelta(index: Int, id: String? = nil, name: String? = nil, arguments: String) -> String {
    var call = #"{"index":\#(index)"#
    if let id { call += #","id":"\#(id)","type":"function""# }
    call += #","function":{"#
    if let name { call += #""name":"\#(name)","# }
    call += #""arguments":\#(jsonString(arguments))}}"#
    return chunk(#"{"tool_calls":[\#(call)]}"#)
}

private func jsonString(_ text: String) -> String { String(decoding: JSONValue.string(text).serialized, as: UTF8.self) }

/// Feeds `input` to a translator in pieces of `pieceSize` bytes (cutting events anywhere) and
/// returns everything it wrote, `finish()` included.
private func translate(
    _ input: String, request: String = #"{"model":"gpt-test","input":"hi","stream":true}"#, chatForm: ResponsesChatForm? = nil,
    pieceSize: Int = 7, callFinish: Bool = true
) throws -> (events: [ResponsesEvent], translator: OpenAIStreamToResponses) {
    var translator = OpenAIStreamToResponses(
        responseID: "resp_stream", createdAt: 1_750_000_000, publicModel: "gpt-test", request: ResponsesRequestEcho(clientBody: Array(request.utf8)),
        chatForm: chatForm, seal: testSeal, ids: ResponsesIDs(seed: 7))
    let bytes = Array(input.utf8)
    var output: [UInt8] = []
    var start = 0
    while start < bytes.count {
        let end = min(start + pieceSize, bytes.count)
        output += try translator.translate(bytes[start..<end])
        start = end
    }
    if callFinish { output += translator.finish() }
    return (parseEvents(output), translator)
}

/// Checks the stream's framing and returns the output items its deltas built, keyed by item id:
/// text per message, arguments per function call, summary text per reasoning item.
@discardableResult
private func checkContract(_ events: [ResponsesEvent], sourceLocation: SourceLocation = #_sourceLocation) -> [String: String] {
    #expect(events.map(\.data["sequence_number"]?.intValue) == Array(0..<events.count).map(Optional.some), sourceLocation: sourceLocation)
    #expect(events.allSatisfy { $0.name == $0.type }, "event names match their types", sourceLocation: sourceLocation)
    #expect(events.prefix(2).map(\.type) == ["response.created", "response.in_progress"], sourceLocation: sourceLocation)
    #expect(events.first?.data["response"]?["status"]?.stringValue == "in_progress", sourceLocation: sourceLocation)
    #expect(events.first?.data["response"]?["output"] == .array([]), sourceLocation: sourceLocation)
    let terminal = ["response.completed", "response.incomplete", "response.failed"]
    #expect(events.filter { terminal.contains($0.type) }.count == 1 && terminal.contains(events.last?.type ?? ""), sourceLocation: sourceLocation)

    var open: [String: Int] = [:]
    var closed: Set<String> = []
    var built: [String: String] = [:]
    var doneItems: [JSONValue] = []
    for event in events {
        let itemID = event.data["item_id"]?.stringValue ?? event.data["item"]?["id"]?.stringValue ?? ""
        switch event.type {
        case "response.output_item.added":
            #expect(open[itemID] == nil && !closed.contains(itemID), sourceLocation: sourceLocation)
            #expect(event.data["output_index"]?.intValue == doneItems.count, "items are streamed one after another", sourceLocation: sourceLocation)
            open[itemID] = event.data["output_index"]?.intValue
        case "response.output_item.done":
            #expect(open[itemID] == event.data["output_index"]?.intValue, "each added item has its done", sourceLocation: sourceLocation)
            open[itemID] = nil
            closed.insert(itemID)
            doneItems.append(event.data["item"] ?? .null)
        case "response.output_text.delta", "response.function_call_arguments.delta", "response.reasoning_summary_text.delta", "response.refusal.delta":
            #expect(open[itemID] == event.data["output_index"]?.intValue, "no delta outside its item", sourceLocation: sourceLocation)
            built[itemID, default: ""] += event.data["delta"]?.stringValue ?? ""
        case "response.output_text.done", "response.reasoning_summary_text.done":
            #expect(event.data["text"]?.stringValue == built[itemID], sourceLocation: sourceLocation)
        case "response.function_call_arguments.done":
            #expect(event.data["arguments"]?.stringValue == built[itemID, default: ""], sourceLocation: sourceLocation)
        default:
            break
        }
    }
    #expect(open.isEmpty, "every added item is done", sourceLocation: sourceLocation)
    #expect(events.last?.data["response"]?["output"] == .array(doneItems), "the final output is the items streamed", sourceLocation: sourceLocation)
    return built
}

@Suite("Responses translation: streams")
struct ResponsesStreamTranslationTests {
    @Test func textStreamsAsAMessageAndEndsCompletedWithUsage() throws {
        let input = chunk(#"{"role":"assistant","content":""}"#) + chunk(#"{"content":"Hel"}"#) + chunk(#"{"content":"lo \"world\" \u00e9"}"#)
            + chunk(#"{}"#, finish: "stop") + usageChunk + done
        for pieceSize in [1, 7, 4096] {
            let (events, translator) = try translate(input, pieceSize: pieceSize)
            let built = checkContract(events)
            #expect(events.map(\.type) == [
                "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
                "response.output_text.delta", "response.output_text.delta", "response.output_text.done", "response.content_part.done",
                "response.output_item.done", "response.completed",
            ])
            let completed = try #require(events.last?.data["response"])
            #expect(completed["status"]?.stringValue == "completed")
            let message = try #require(completed["output"]?.arrayValue?.first)
            let text = "Hello \"world\" é"
            #expect(built[message["id"]?.stringValue ?? ""] == text)
            #expect(message["content"] == responsesJSON(#"{"c":[{"type":"output_text","annotations":[],"logprobs":[],"text":"Hello \"world\" é"}]}"#)["c"])
            #expect(events[4].data["logprobs"] == .array([]))
            #expect(events[4].data["content_index"]?.intValue == 0)
            #expect(completed["usage"] == responsesJSON(#"""
                {"input_tokens":11,"input_tokens_details":{"cached_tokens":4},"output_tokens":7,"output_tokens_details":{"reasoning_tokens":3},"total_tokens":18}
                """#))
            #expect(translator.completedResponse.map(responsesJSON) == completed)
            #expect(translator.isComplete)
            #expect(translator.usage?.promptTokens == 11)
        }
    }

    @Test func argumentsSplitAcrossFiveChunksReassembleExactly() throws {
        let arguments = #"{"path":"/tmp/a b.txt","content":"line1\nline2 \"q\""}"#
        let cuts = [0, 3, 11, 12, 30, arguments.count]
        var input = chunk(#"{"role":"assistant","content":null}"#)
        for (index, (from, to)) in zip(cuts, cuts.dropFirst()).enumerated() {
            let piece = String(arguments.dropFirst(from).prefix(to - from))
            input += toolDelta(index: 0, id: index == 0 ? "call_abc" : nil, name: index == 0 ? "write_file" : nil, arguments: piece)
        }
        input += chunk("{}", finish: "tool_calls") + usageChunk + done
        let (events, _) = try translate(input)
        let built = checkContract(events)
        #expect(events.filter { $0.type == "response.function_call_arguments.delta" }.count == 5)
        let added = try #require(events.first { $0.type == "response.output_item.added" }?.data["item"])
        #expect(added["arguments"]?.stringValue == "")
        #expect(added["status"]?.stringValue == "in_progress")
        let item = try #require(events.last?.data["response"]?["output"]?.arrayValue?.first)
        #expect(item["type"]?.stringValue == "function_call")
        #expect(item["call_id"]?.stringValue == "call_abc")
        #expect(item["name"]?.stringValue == "write_file")
        #expect(item["arguments"]?.stringValue == arguments)
        #expect(item["status"]?.stringValue == "completed")
        #expect(built[item["id"]?.stringValue ?? ""] == arguments)
    }

    @Test func interleavedToolCallsBecomeTwoWholeItems() throws {
        let input = chunk(#"{"role":"assistant"}"#)
            + toolDelta(index: 0, id: "call_a", name: "alpha", arguments: #"{"x":"#)
            + toolDelta(index: 1, id: "call_b", name: "beta", arguments: #"{"y":"#)
            + toolDelta(index: 0, arguments: "1}")
            + toolDelta(index: 1, arguments: "2}")
            + chunk("{}", finish: "tool_calls") + done
        let (events, _) = try translate(input, pieceSize: 13)
        let built = checkContract(events)
        let output = try #require(events.last?.data["response"]?["output"]?.arrayValue)
        #expect(output.map { $0["name"]?.stringValue ?? "" } == ["alpha", "beta"])
        #expect(output.map { $0["call_id"]?.stringValue ?? "" } == ["call_a", "call_b"])
        #expect(output.map { $0["arguments"]?.stringValue ?? "" } == [#"{"x":1}"#, #"{"y":2}"#])
        #expect(output.map { built[$0["id"]?.stringValue ?? ""] } == [#"{"x":1}"#, #"{"y":2}"#])
        #expect(Set(output.compactMap { $0["id"]?.stringValue }).count == 2)
    }

    @Test func textThenToolCallsAfterReasoningKeepTheirOrder() throws {
        let input = chunk(#"{"reasoning_content":"Let me "}"#) + chunk(#"{"reasoning_content":"check."}"#)
            + chunk(#"{"thinking_blocks":[{"type":"thinking","thinking":"Let me check.","signature":"sig/+=="}]}"#)
            + chunk(#"{"content":"Checking."}"#)
            + toolDelta(index: 0, id: "call_1", name: "crm__find", arguments: #"{"q":"Ada"}"#)
            + chunk("{}", finish: "tool_calls") + usageChunk + done
        let request = #"{"model":"m","input":"x","stream":true,"include":["reasoning.encrypted_content"],"reasoning":{"effort":"high","summary":"auto"},"tools":[{"type":"namespace","name":"crm","description":"d","tools":[{"type":"function","name":"find"}]}]}"#
        let form = try ResponsesRequestTranslator.translate(responses: Array(request.utf8), model: "m", seal: testSeal, refuseHostedTools: false)
        let (events, _) = try translate(input, request: request, chatForm: form)
        let built = checkContract(events)
        #expect(events.map(\.type).filter { $0.contains("reasoning") } == [
            "response.reasoning_summary_part.added", "response.reasoning_summary_text.delta", "response.reasoning_summary_text.delta",
            "response.reasoning_summary_text.done", "response.reasoning_summary_part.done",
        ])
        let output = try #require(events.last?.data["response"]?["output"]?.arrayValue)
        #expect(output.map { $0["type"]?.stringValue ?? "" } == ["reasoning", "message", "function_call"])
        #expect(output[0]["summary"] == responsesJSON(#"{"s":[{"type":"summary_text","text":"Let me check."}]}"#)["s"])
        #expect(built[output[0]["id"]?.stringValue ?? ""] == "Let me check.")
        let envelope = try #require(output[0]["encrypted_content"]?.stringValue)
        let opened = try #require(testSeal.open(envelope))
        #expect(responsesJSON(opened) == responsesJSON(#"{"reasoning_content":"Let me check.","thinking_blocks":[{"type":"thinking","thinking":"Let me check.","signature":"sig/+=="}]}"#))
        #expect(output[2]["name"]?.stringValue == "find")
        #expect(output[2]["namespace"]?.stringValue == "crm")
    }

    @Test func reasoningWithoutASummaryRequestStreamsNoSummaryEvents() throws {
        let input = chunk(#"{"reasoning_content":"hidden"}"#) + chunk(#"{"content":"Answer"}"#, finish: "stop") + done
        let (events, _) = try translate(input)
        checkContract(events)
        #expect(!events.contains { $0.type.hasPrefix("response.reasoning_summary") })
        let reasoning = try #require(events.last?.data["response"]?["output"]?.arrayValue?.first)
        #expect(reasoning == responsesJSON(#"{"id":"\#(reasoning["id"]?.stringValue ?? "")","type":"reasoning","summary":[]}"#))
    }

    @Test func textAfterALiveToolCallWaitsForIt() throws {
        let input = toolDelta(index: 0, id: "call_1", name: "a", arguments: "{}") + chunk(#"{"content":"late text"}"#)
            + toolDelta(index: 0, arguments: "") + chunk("{}", finish: "tool_calls") + done
        let (events, _) = try translate(input)
        let built = checkContract(events)
        let output = try #require(events.last?.data["response"]?["output"]?.arrayValue)
        #expect(output.map { $0["type"]?.stringValue ?? "" } == ["function_call", "message"])
        #expect(built[output[1]["id"]?.stringValue ?? ""] == "late text")
    }

    @Test func anAnswerCutAtItsLimitEndsIncomplete() throws {
        let (events, _) = try translate(chunk(#"{"content":"Once upon"}"#) + chunk("{}", finish: "length") + usageChunk + done)
        checkContract(events)
        let response = try #require(events.last?.data["response"])
        #expect(events.last?.type == "response.incomplete")
        #expect(response["status"]?.stringValue == "incomplete")
        #expect(response["incomplete_details"] == responsesJSON(#"{"reason":"max_output_tokens"}"#))
        #expect(response["output"]?.arrayValue?.first?["status"]?.stringValue == "incomplete")
    }

    @Test func aStreamWithoutDoneEndsByFinish() throws {
        let finished = try translate(chunk(#"{"content":"Hi"}"#) + chunk("{}", finish: "stop") + usageChunk)
        checkContract(finished.events)
        #expect(finished.events.last?.type == "response.completed")

        let (events, translator) = try translate(chunk(#"{"content":"Hi"}"#))
        checkContract(events)
        #expect(events.last?.type == "response.failed")
        #expect(events.last?.data["response"]?["error"]?["code"]?.stringValue == "server_error")
        #expect(events.last?.data["response"]?["output"]?.arrayValue?.first?["status"]?.stringValue == "incomplete")
        var ended = translator
        #expect(ended.finish().isEmpty)
        #expect(try ended.translate(Array(done.utf8)).isEmpty)
    }

    @Test func anUpstreamErrorEventFailsTheResponse() throws {
        let (events, translator) = try translate(
            chunk(#"{"content":"Hi"}"#) + #"data: {"error":{"message":"overloaded","type":"server_error","code":null}}"# + "\n\n" + done)
        checkContract(events)
        let response = try #require(events.last?.data["response"])
        #expect(events.last?.type == "response.failed")
        #expect(response["status"]?.stringValue == "failed")
        #expect(response["error"] == responsesJSON(#"{"code":"server_error","message":"overloaded"}"#))
        #expect(translator.upstreamError?.message == "overloaded")
    }

    @Test func anEmptyStreamStillOpensAndEndsTheResponse() throws {
        let (events, _) = try translate(done)
        checkContract(events)
        #expect(events.map(\.type) == ["response.created", "response.in_progress", "response.completed"])
    }
}
