#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import SluiceTranslation

// Times the translations on the request path and the per-chunk stream translations.
// Run built in release: swift run -c release sluice-translation-bench [part of a benchmark name]

/// CPU time of the calling thread in nanoseconds: unlike the wall clock, it does not count the
/// time other processes on a busy machine hold the core.
func threadCPUNanoseconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) * 1e9 + Double(time.tv_nsec)
}

/// Runs `operation` `iterations` times in each of several rounds after a warm-up, and prints the
/// time per operation of the fastest round by the wall clock (`ContinuousClock`) and by the
/// thread's CPU time, and the median round's CPU time.
func measure(_ name: String, iterations: Int, operationsPerIteration: Int = 1, rounds: Int = 7, _ operation: () throws -> Int) rethrows {
    guard CommandLine.arguments.count < 2 || name.contains(CommandLine.arguments[1]) else { return }
    var sink = 0
    for _ in 0..<max(1, iterations / 10) { sink &+= try operation() }
    let clock = ContinuousClock()
    var wall: [Double] = []
    var cpu: [Double] = []
    let operations = Double(iterations * operationsPerIteration)
    for _ in 0..<rounds {
        let start = clock.now
        let cpuStart = threadCPUNanoseconds()
        for _ in 0..<iterations { sink &+= try operation() }
        let cpuElapsed = threadCPUNanoseconds() - cpuStart
        let elapsed = clock.now - start
        wall.append((Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9) / operations)
        cpu.append(cpuElapsed / operations)
    }
    wall.sort()
    cpu.sort()
    func format(_ value: Double) -> String { String(Int(value + 0.5)).leftPadded(to: 8) }
    print("\(name.padding(to: 52)) wall best \(format(wall[0]))  cpu best \(format(cpu[0]))  cpu median \(format(cpu[rounds / 2])) ns/op  (sink \(sink % 10))")
}

extension String {
    func padding(to width: Int) -> String { self.count >= width ? self : self + String(repeating: " ", count: width - self.count) }
    func leftPadded(to width: Int) -> String { self.count >= width ? self : String(repeating: " ", count: width - self.count) + self }
}

/// An OpenAI chat request of about 2,000 tokens: a system prompt, five tools with schemas, and
/// twelve turns with tool calls and their results.
func openAIConversation() -> [UInt8] {
    let paragraph = "The gateway forwards requests to the deployment with the lowest load, retries on another when one fails, and records the usage of every request in the ledger so budgets hold. "
    var messages: [String] = [#"{"role":"system","content":"You are an operations assistant. \#(paragraph)\#(paragraph)"}"#]
    for turn in 0..<6 {
        messages.append(#"{"role":"user","content":"Question \#(turn): \#(paragraph)What is the status of region \#(turn)?"}"#)
        messages.append(#"{"role":"assistant","content":"Let me look that up.","tool_calls":[{"id":"call_\#(turn)a","type":"function","function":{"name":"region_status","arguments":"{\"region\":\"eu-\#(turn)\",\"detail\":true}"}},{"id":"call_\#(turn)b","type":"function","function":{"name":"deployment_load","arguments":"{\"region\":\"eu-\#(turn)\",\"window_minutes\":15}"}}]}"#)
        messages.append(#"{"role":"tool","tool_call_id":"call_\#(turn)a","content":"{\"region\":\"eu-\#(turn)\",\"healthy\":4,\"degraded\":1,\"notes\":\"one deployment is draining for maintenance\"}"}"#)
        messages.append(#"{"role":"tool","tool_call_id":"call_\#(turn)b","content":"{\"p50_ms\":180,\"p99_ms\":950,\"queue\":3}"}"#)
        messages.append(#"{"role":"assistant","content":"Region eu-\#(turn) has four healthy deployments and one draining; latency is normal. \#(paragraph)"}"#)
    }
    messages.append(#"{"role":"user","content":"Summarise all regions."}"#)
    let tools = ["region_status", "deployment_load", "drain_deployment", "budget_remaining", "open_incident"].map { name in
        #"{"type":"function","function":{"name":"\#(name)","description":"Operations tool \#(name): reads or changes the state of the fleet.","parameters":{"type":"object","properties":{"region":{"type":"string","description":"The region name, such as eu-1."},"detail":{"type":"boolean"},"window_minutes":{"type":"integer","minimum":1}},"required":["region"]}}}"#
    }
    let body = #"{"model":"claude-public","messages":[\#(messages.joined(separator: ","))],"tools":[\#(tools.joined(separator: ","))],"tool_choice":"auto","max_completion_tokens":1024,"temperature":0.3,"stream":true}"#
    return Array(body.utf8)
}

let openAIRequest = openAIConversation()
let anthropicRequest = try AnthropicRequestTranslator.translate(openAIChat: openAIRequest, model: "claude-sonnet", defaultMaxTokens: 4096)
print("request sizes: OpenAI \(openAIRequest.count) bytes, Anthropic \(anthropicRequest.count) bytes (about \(openAIRequest.count / 4) tokens)")

try measure("request OpenAI -> Anthropic (~2k tokens, tools)", iterations: 300) {
    try AnthropicRequestTranslator.translate(openAIChat: openAIRequest, model: "claude-sonnet", defaultMaxTokens: 4096).count
}
try measure("request Anthropic -> OpenAI (~2k tokens, tools)", iterations: 300) {
    try OpenAIRequestTranslator.translate(anthropicMessages: anthropicRequest, model: "qwen3").count
}

let chunksPerStream = 200
let anthropicStart = Array(#"event: message_start\#ndata: {"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","content":[],"model":"claude-sonnet","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":2100,"output_tokens":1}}}\#n\#nevent: content_block_start\#ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\#n\#n"#.utf8)
let anthropicTextDelta = Array(#"event: content_block_delta\#ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" deployments"}}\#n\#n"#.utf8)
let anthropicToolStart = Array(#"event: content_block_start\#ndata: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01","name":"region_status","input":{}}}\#n\#n"#.utf8)
let anthropicJSONDelta = Array(#"event: content_block_delta\#ndata: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"\"region\": \"eu"}}\#n\#n"#.utf8)

try measure("stream Anthropic -> OpenAI, text_delta chunk", iterations: 500, operationsPerIteration: chunksPerStream) {
    var translator = AnthropicStreamToOpenAI(publicModel: "claude-public", created: 1_700_000_000, includeUsage: true)
    var bytes = try translator.translate(anthropicStart).count
    for _ in 0..<chunksPerStream { bytes &+= try translator.translate(anthropicTextDelta).count }
    return bytes
}
try measure("stream Anthropic -> OpenAI, input_json_delta chunk", iterations: 500, operationsPerIteration: chunksPerStream) {
    var translator = AnthropicStreamToOpenAI(publicModel: "claude-public", created: 1_700_000_000, includeUsage: true)
    var bytes = try translator.translate(anthropicStart).count + translator.translate(anthropicToolStart).count
    for _ in 0..<chunksPerStream { bytes &+= try translator.translate(anthropicJSONDelta).count }
    return bytes
}

let openAITextChunk = Array(#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"qwen3","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"content":" deployments"},"logprobs":null,"finish_reason":null}]}\#n\#n"#.utf8)
let openAIToolChunk = Array(#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"qwen3","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"region\": \"eu"}}]},"logprobs":null,"finish_reason":null}]}\#n\#n"#.utf8)
let openAIToolStart = Array(#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"qwen3","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"region_status","arguments":""}}]},"logprobs":null,"finish_reason":null}]}\#n\#n"#.utf8)

try measure("stream OpenAI -> Anthropic, content chunk", iterations: 500, operationsPerIteration: chunksPerStream) {
    var translator = OpenAIStreamToAnthropic(publicModel: "public")
    var bytes = 0
    for _ in 0..<chunksPerStream { bytes &+= try translator.translate(openAITextChunk).count }
    return bytes
}
try measure("stream OpenAI -> Anthropic, content chunk with <think> parsing", iterations: 500, operationsPerIteration: chunksPerStream) {
    var translator = OpenAIStreamToAnthropic(publicModel: "public", reasoning: ReasoningPolicy(parsesThinkTags: true))
    var bytes = 0
    for _ in 0..<chunksPerStream { bytes &+= try translator.translate(openAITextChunk).count }
    return bytes
}
try measure("stream OpenAI -> Anthropic, tool call argument chunk", iterations: 500, operationsPerIteration: chunksPerStream) {
    var translator = OpenAIStreamToAnthropic(publicModel: "public")
    var bytes = try translator.translate(openAIToolStart).count
    for _ in 0..<chunksPerStream { bytes &+= try translator.translate(openAIToolChunk).count }
    return bytes
}
try measure("stream OpenAI -> OpenAI, <think> normalised to reasoning_content", iterations: 500, operationsPerIteration: chunksPerStream) {
    var normalizer = OpenAIReasoningNormalizer(policy: ReasoningPolicy(parsesThinkTags: true))
    var bytes = 0
    for _ in 0..<chunksPerStream { bytes &+= try normalizer.normalize(openAITextChunk).count }
    return bytes
}

/// A Responses API request of about 2,000 tokens: instructions, five function tools, and six
/// turns with two function calls and their outputs each.
func responsesConversation() -> [UInt8] {
    let paragraph = "The gateway forwards requests to the deployment with the lowest load, retries on another when one fails, and records the usage of every request in the ledger so budgets hold. "
    var items: [String] = []
    for turn in 0..<6 {
        items.append(#"{"role":"user","content":[{"type":"input_text","text":"Question \#(turn): \#(paragraph)What is the status of region \#(turn)?"}]}"#)
        for (suffix, name, arguments) in [("a", "region_status", #"{\"region\":\"eu-\#(turn)\",\"detail\":true}"#), ("b", "deployment_load", #"{\"region\":\"eu-\#(turn)\",\"window_minutes\":15}"#)] {
            items.append(#"{"type":"function_call","call_id":"call_\#(turn)\#(suffix)","name":"\#(name)","arguments":"\#(arguments)"}"#)
            items.append(#"{"type":"function_call_output","call_id":"call_\#(turn)\#(suffix)","output":"{\"region\":\"eu-\#(turn)\",\"healthy\":4,\"queue\":3}"}"#)
        }
        items.append(#"{"type":"message","role":"assistant","content":[{"type":"output_text","text":"Region eu-\#(turn) has four healthy deployments. \#(paragraph)"}]}"#)
    }
    items.append(#"{"role":"user","content":"Summarise all regions."}"#)
    let tools = ["region_status", "deployment_load", "drain_deployment", "budget_remaining", "open_incident"].map { name in
        #"{"type":"function","name":"\#(name)","description":"Operations tool \#(name): reads or changes the state of the fleet.","parameters":{"type":"object","properties":{"region":{"type":"string"},"detail":{"type":"boolean"},"window_minutes":{"type":"integer","minimum":1}},"required":["region"]}}"#
    }
    let body = #"{"model":"public","instructions":"You are an operations assistant. \#(paragraph)","input":[\#(items.joined(separator: ","))],"tools":[\#(tools.joined(separator: ","))],"max_output_tokens":1024,"stream":true,"store":false,"include":["reasoning.encrypted_content"]}"#
    return Array(body.utf8)
}

let responsesRequest = responsesConversation()
print("Responses request: \(responsesRequest.count) bytes")
try measure("request Responses -> OpenAI chat (~2k tokens, tools)", iterations: 300) {
    try ResponsesRequestTranslator.translate(responses: responsesRequest, model: "qwen3", seal: nil, refuseHostedTools: false).body.count
}

let responsesEcho = ResponsesRequestEcho(clientBody: responsesRequest)
func responsesTranslator() -> OpenAIStreamToResponses {
    OpenAIStreamToResponses(responseID: "resp_1", createdAt: 1_700_000_000, publicModel: "public", request: responsesEcho, chatForm: nil, seal: nil)
}
for length in [chunksPerStream, chunksPerStream * 10] {
    try measure("stream OpenAI -> Responses, content chunk (\(length) per stream)", iterations: 5_000 / length * 20, operationsPerIteration: length) {
        var translator = responsesTranslator()
        var bytes = 0
        for _ in 0..<length { bytes &+= try translator.translate(openAITextChunk).count }
        return bytes
    }
}
try measure("stream OpenAI -> Responses, tool call argument chunk", iterations: 500, operationsPerIteration: chunksPerStream) {
    var translator = responsesTranslator()
    var bytes = try translator.translate(openAIToolStart).count
    for _ in 0..<chunksPerStream { bytes &+= try translator.translate(openAIToolChunk).count }
    return bytes
}
