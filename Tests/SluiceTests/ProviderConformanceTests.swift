import Foundation
import Testing

/// One contract for every provider kind: each passes it over HTTP, through a running gateway, in
/// front of its own stub (see ``ConformanceBehaviour``), so a kind that is added or rewritten
/// answers an OpenAI client exactly as the others do. What is particular to one provider stays in
/// its own suite.
@Suite("Every provider kind behaves alike behind the OpenAI API, over HTTP")
struct ProviderConformanceTests {
    @Test(arguments: ProviderKind.allCases)
    func aPlainAnswerComesBackInOpenAIsShape(kind: ProviderKind) async throws {
        try await withGateway { harness, client in
            let model = kind.model(.ok)
            let reply = try await client.chat(model: model)
            #expect(reply.status == 200, "\(reply.body)")
            #expect(reply.json["object"] as? String == "chat.completion")
            #expect(reply.json["model"] as? String == model)
            let choice = try #require((reply.json["choices"] as? [[String: Any]])?.first)
            #expect((choice["message"] as? [String: Any])?["content"] as? String == kind.plainText)
            #expect(choice["finish_reason"] as? String == "stop")
            let usage = try #require(reply.json["usage"] as? [String: Any])
            let (prompt, completion) = (usage["prompt_tokens"] as? Int ?? 0, usage["completion_tokens"] as? Int ?? 0)
            #expect(prompt > 0 && completion > 0 && usage["total_tokens"] as? Int == prompt + completion)

            let sent = try #require(kind.requests(harness).last)
            #expect(sent.path == kind.upstreamPath(.ok, stream: false))
            #expect(kind.isAuthenticated(sent), "the deployment's credentials, in the provider's header")
            #expect(sent.text.contains("Say hello"))
            let record = try #require(try await harness.waitForRecords(1).first)
            #expect(record.status == 200)
            #expect(record.usage?.promptTokens == prompt && record.usage?.completionTokens == completion)
        }
    }

    @Test(arguments: ProviderKind.allCases)
    func aStreamComesBackChunkByChunkAndEndsWithDone(kind: ProviderKind) async throws {
        try await withGateway { harness, client in
            let model = kind.model(.ok)
            let reply = try await client.chat(model: model, stream: true)
            #expect(reply.status == 200)
            #expect(reply.headers.first(name: "content-type") == "text/event-stream")
            #expect(reply.events.last == "[DONE]")
            let chunks = reply.eventObjects
            #expect(chunks.allSatisfy { $0["object"] as? String == "chat.completion.chunk" && $0["model"] as? String == model })
            #expect(chunks.allSatisfy { $0["usage"] as? [String: Any] == nil }, "no usage chunk: the client did not ask for one")
            #expect(Self.deltas(reply).first?["role"] as? String == "assistant")
            #expect(Self.content(reply) == "Hello there!")
            #expect(Self.finishReasons(reply) == ["stop"])

            let sent = try #require(kind.requests(harness).last)
            #expect(sent.path == kind.upstreamPath(.ok, stream: true))
            #expect(kind.isAuthenticated(sent))
            let record = try #require(try await harness.waitForRecords(1).first)
            #expect(record.status == 200)
            #expect(record.usage != nil, "usage is recorded though the client did not ask for it")
            #expect(record.timeToFirstToken != nil)
        }
    }

    @Test(arguments: ProviderKind.allCases)
    func aToolCallGoesRoundTrip(kind: ProviderKind) async throws {
        let tools = #"[{"type":"function","function":{"name":"get_weather","description":"The weather","parameters":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}}]"#
        let question = #"{"role":"user","content":"What is the weather in Paris?"}"#
        try await withGateway { harness, client in
            let model = kind.model(.tools)
            for stream in [false, true] {
                let first = try await client.request(
                    .POST, "/v1/chat/completions", body: #"{"model":"\#(model)","stream":\#(stream),"messages":[\#(question)],"tools":\#(tools)}"#)
                #expect(first.status == 200, "\(first.body)")
                let calls = stream ? Self.streamedToolCalls(first) : Self.message(first)?["tool_calls"] as? [[String: Any]] ?? []
                #expect(stream ? first.events.last == "[DONE]" : true)
                #expect((stream ? Self.finishReasons(first).last : Self.choice(first)?["finish_reason"] as? String) == "tool_calls")
                try #require(!calls.isEmpty, "streamed: \(stream)")
                var results: [String] = []
                for call in calls {
                    let id = try #require(call["id"] as? String)
                    #expect(!id.isEmpty)
                    #expect(call["type"] as? String == "function")
                    let function = try #require(call["function"] as? [String: Any])
                    #expect(function["name"] as? String == "get_weather")
                    let arguments = try JSONSerialization.jsonObject(with: Data((function["arguments"] as? String ?? "").utf8)) as? [String: Any]
                    let location = try #require(arguments?["location"] as? String)
                    results.append(#"{"role":"tool","tool_call_id":"\#(id)","content":"sunny in \#(location)"}"#)
                }
                // The results go back bound to the calls' ids; the stub refuses results it cannot match.
                let assistant = String(decoding: try JSONSerialization.data(withJSONObject: ["role": "assistant", "content": NSNull(), "tool_calls": calls]), as: UTF8.self)
                let second = try await client.request(
                    .POST, "/v1/chat/completions",
                    body: #"{"model":"\#(model)","messages":[\#(question),\#(assistant),\#(results.joined(separator: ","))],"tools":\#(tools)}"#)
                #expect(second.status == 200, "\(second.body)")
                #expect((Self.message(second)?["content"] as? String)?.lowercased().contains("sunny") == true, "\(second.body)")
                #expect(Self.choice(second)?["finish_reason"] as? String == "stop")
                #expect(kind.requests(harness).last?.text.contains("sunny in") == true, "the results reached the upstream")
            }
        }
    }

    /// A streamed answer's tool calls, put together from their fragments as an SDK does.
    private static func streamedToolCalls(_ reply: TestClient.Reply) -> [[String: Any]] {
        var calls: [Int: [String: Any]] = [:]
        for fragment in Self.deltas(reply).flatMap({ $0["tool_calls"] as? [[String: Any]] ?? [] }) {
            let index = fragment["index"] as? Int ?? -1
            var call = calls[index] ?? ["function": ["arguments": ""]]
            if let id = fragment["id"] { call["id"] = id }
            if let type = fragment["type"] { call["type"] = type }
            var function = call["function"] as? [String: Any] ?? [:]
            let part = fragment["function"] as? [String: Any] ?? [:]
            if let name = part["name"] { function["name"] = name }
            function["arguments"] = (function["arguments"] as? String ?? "") + (part["arguments"] as? String ?? "")
            call["function"] = function
            calls[index] = call
        }
        return calls.sorted { $0.key < $1.key }.map(\.value)
    }

    @Test(arguments: ProviderKind.allCases)
    func reasoningIsAskedForInTheProvidersTermsAndComesBackAsReasoningContent(kind: ProviderKind) async throws {
        try await withGateway { _, client in
            let model = kind.model(.reasoning)
            let whole = try await client.chat(model: model, extra: #","reasoning_effort":"low""#)
            #expect(whole.status == 200, "\(whole.body)")
            #expect(Self.message(whole)?["reasoning_content"] as? String == ConformanceBehaviour.reasoningText)
            #expect(Self.message(whole)?["content"] as? String == ConformanceBehaviour.reasoningAnswer)

            let streamed = try await client.chat(model: model, stream: true, extra: #","reasoning_effort":"low""#)
            #expect(streamed.events.last == "[DONE]", "\(streamed.body)")
            #expect(Self.deltas(streamed).compactMap { $0["reasoning_content"] as? String }.joined() == ConformanceBehaviour.reasoningText)
            #expect(Self.content(streamed) == ConformanceBehaviour.reasoningAnswer)

            // The stubs think only when asked to, in their own terms.
            let unasked = try await client.chat(model: model)
            #expect(unasked.status == 200, "\(unasked.body)")
            #expect(Self.message(unasked)?["reasoning_content"] == nil)
            #expect(Self.message(unasked)?["content"] as? String == ConformanceBehaviour.reasoningAnswer)
        }
    }

    @Test(arguments: ProviderKind.allCases)
    func usageFollowsTheRequestAndIsRecordedAndPriced(kind: ProviderKind) async throws {
        try await withGateway { harness, client in
            let model = kind.model(.metered)
            var seen: [Int] = []
            for (index, (words, maxTokens, stream)) in [(3, 5, false), (60, 9, false), (3, 7, true), (60, 11, true)].enumerated() {
                let prompt = Array(repeating: "word", count: words).joined(separator: " ")
                let body = #"{"model":"\#(model)","messages":[{"role":"user","content":"\#(prompt)"}],"max_tokens":\#(maxTokens),"stream":\#(stream),"stream_options":{"include_usage":true}}"#
                let reply = try await client.request(.POST, "/v1/chat/completions", body: stream ? body : body.replacing(#","stream_options":{"include_usage":true}"#, with: ""))
                #expect(reply.status == 200, "\(reply.body)")
                let sent = try #require(kind.requests(harness).last)
                let promptTokens = StubMeteredAnswer.promptTokens(of: sent.json[kind.promptMember], rawBody: sent.text)
                let usage = try #require(stream ? reply.eventObjects.last?["usage"] as? [String: Any] : reply.json["usage"] as? [String: Any])
                #expect(usage["prompt_tokens"] as? Int == promptTokens)
                #expect(usage["completion_tokens"] as? Int == maxTokens)
                #expect(usage["total_tokens"] as? Int == promptTokens + maxTokens)
                let text = stream ? Self.content(reply) : Self.message(reply)?["content"] as? String
                #expect(text == String(repeating: "tok ", count: maxTokens))
                #expect((stream ? Self.finishReasons(reply).last : Self.choice(reply)?["finish_reason"] as? String) == "length")

                let record = try #require(try await harness.waitForRecords(index + 1).last)
                #expect(record.usage?.promptTokens == promptTokens && record.usage?.completionTokens == maxTokens)
                #expect(abs(record.cost - Double(promptTokens * 1 + maxTokens * 2) / 1_000_000) < 1e-12, "priced at 1 and 2 per million")
                seen.append(promptTokens)
            }
            #expect(seen[1] > seen[0] && seen[3] > seen[2], "a longer prompt counts more tokens")
        }
    }

    @Test(arguments: ProviderKind.allCases)
    func upstreamErrorsComeBackAsTheRightClientErrors(kind: ProviderKind) async throws {
        try await withGateway { harness, client in
            for stream in [false, true] {
                let invalid = try await client.chat(model: kind.model(.error400), stream: stream)
                #expect(invalid.status == 400, "\(invalid.body)")
                #expect(invalid.error["type"] as? String == "invalid_request_error")
                #expect(invalid.error["message"] as? String == kind.invalidRequestMessage, "the upstream's words about the client's request")

                let unauthorized = try await client.chat(model: kind.model(.error401), stream: stream)
                #expect(unauthorized.status == 401, "\(unauthorized.body)")
                #expect(unauthorized.error["type"] as? String == "invalid_request_error")
                #expect(!unauthorized.body.contains(kind.secret), "the upstream's credentials stay inside")

                let limited = try await client.chat(model: kind.model(.rateLimited), stream: stream)
                #expect(limited.status == 429, "\(limited.body)")
                #expect(limited.error["type"] as? String == kind.rateLimitType)
                #expect(limited.headers.first(name: "retry-after") == kind.retryAfter)

                let failed = try await client.chat(model: kind.model(.error500), stream: stream)
                #expect(failed.status == 502, "\(failed.body)")
                #expect(failed.error["type"] as? String == "upstream_error")
            }
            let records = try await harness.waitForRecords(8)
            #expect(records.map(\.status).sorted() == [400, 400, 401, 401, 429, 429, 502, 502])
            #expect(kind.requests(harness).count == 8, "each reached the upstream once: a model with one deployment is not retried")
        }
    }

    @Test(arguments: ProviderKind.allCases)
    func aStreamCutMidwayEndsWithAnErrorAndNoDone(kind: ProviderKind) async throws {
        try await withGateway { harness, client in
            let reply = try await client.chat(model: kind.model(.cut), stream: true)
            #expect(reply.status == 200)
            #expect(!reply.events.contains("[DONE]"))
            #expect(Self.content(reply) == "Hello", "what arrived before the cut is relayed")
            let error = try #require(reply.eventObjects.last?["error"] as? [String: Any], "\(reply.body)")
            #expect(error["type"] as? String == "upstream_error")
            #expect(error["code"] as? String == "stream_interrupted")
            #expect(reply.eventObjects.filter { $0["error"] != nil }.count == 1)
            #expect(try await harness.waitForRecords(1).first?.status == 502)
        }
    }

    @Test(arguments: ProviderKind.allCases)
    func aStallTimesOutBeforeTheFirstTokenAndBetweenTokens(kind: ProviderKind) async throws {
        try await withGateway { harness, client in
            // Both at once: the two timeouts run side by side.
            async let silentReply = client.chat(model: kind.model(.stallHead), stream: true)
            async let stalledReply = client.chat(model: kind.model(.stall), stream: true)
            let (silent, stalled) = try await (silentReply, stalledReply)
            #expect(silent.status == 504, "\(silent.body)")
            #expect(silent.error["type"] as? String == "timeout_error")
            #expect((silent.error["message"] as? String)?.contains("first token") == true)

            #expect(stalled.status == 200)
            #expect(!stalled.events.contains("[DONE]"))
            #expect(Self.content(stalled) == "Hello")
            let error = try #require(stalled.eventObjects.last?["error"] as? [String: Any], "\(stalled.body)")
            #expect(error["type"] as? String == "timeout_error")
            #expect((error["message"] as? String)?.contains("between tokens") == true)

            #expect(try await harness.waitForRecords(2).map(\.status) == [504, 504])
            // Giving up on the upstream closes its connection, so it stops working for nobody.
            let server = kind.server(harness)
            for _ in 0..<500 where server.hangUps.count < 2 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(server.hangUps.count == 2)
        }
    }

    @Test(arguments: ProviderKind.allCases)
    func anOpenBreakerIsClosedAgainByTheProvidersHealthProbe(kind: ProviderKind) async throws {
        let settings = GatewayHarness.defaultSettings + "resilience: { breaker: { failures: 1, open_for: 100ms, probe_interval: 50ms } }\n"
        try await withGateway(settings: settings) { harness, client in
            let model = kind.model(.error500)
            #expect(try await client.chat(model: model).status == 502)
            var state: String?
            for _ in 0..<250 where state != "closed" {
                try await Task.sleep(for: .milliseconds(20))
                let ready = try await client.request(.GET, "/ready", key: nil).json["deployments"] as? [[String: Any]]
                state = ready?.first { $0["model"] as? String == model }?["state"] as? String
            }
            #expect(state == "closed")
            let probe = try #require(kind.probes(harness).first, "the breaker closed without a probe")
            #expect(probe.path == kind.probePath, "\(probe.path)")
            #expect(kind.isAuthenticated(probe))
            if kind == .azure { #expect(probe.query.hasPrefix("api-version=")) }
        }
    }

    // MARK: - Reading replies

    private static func choice(_ reply: TestClient.Reply) -> [String: Any]? {
        (reply.json["choices"] as? [[String: Any]])?.first
    }

    private static func message(_ reply: TestClient.Reply) -> [String: Any]? {
        Self.choice(reply)?["message"] as? [String: Any]
    }

    private static func deltas(_ reply: TestClient.Reply) -> [[String: Any]] {
        reply.eventObjects.compactMap { ($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any] }
    }

    private static func content(_ reply: TestClient.Reply) -> String {
        Self.deltas(reply).compactMap { $0["content"] as? String }.joined()
    }

    private static func finishReasons(_ reply: TestClient.Reply) -> [String] {
        reply.eventObjects.compactMap { ($0["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String }
    }
}

/// What differs between the kinds: where requests go, how they are signed, and the words of the
/// stubs' answers.
extension ProviderKind {
    /// The stub server this kind's deployments call (Azure's is the OpenAI stub's).
    func server(_ harness: GatewayHarness) -> RecordingStubServer {
        switch self {
        case .openai, .azure: harness.stub.server
        case .anthropic: harness.anthropicStub.server
        case .gemini: harness.geminiStub.server
        case .bedrock: harness.bedrockStub.server
        }
    }

    /// The inference requests the stub received from this kind's deployments.
    func requests(_ harness: GatewayHarness) -> [RecordedRequest] {
        let requests = self.server(harness).requests.filter { $0.method == .post }
        switch self {
        case .openai: return requests.filter { $0.path.hasPrefix("/v1/") }
        case .azure: return requests.filter { $0.path.hasPrefix("/openai/") }
        case .bedrock: return harness.bedrockStub.received.map(\.request)
        case .anthropic, .gemini: return requests
        }
    }

    func probes(_ harness: GatewayHarness) -> [RecordedRequest] {
        switch self {
        case .openai: harness.stub.probes.map(\.request).filter { $0.path == "/v1/models" }
        case .azure: harness.stub.probes.map(\.request).filter { $0.path == "/openai/models" }
        case .anthropic: harness.anthropicStub.probes.map(\.request)
        case .gemini: harness.geminiStub.probes.map(\.request)
        case .bedrock: harness.bedrockStub.probes.map(\.request)
        }
    }

    func upstreamPath(_ behaviour: ConformanceBehaviour, stream: Bool) -> String {
        switch self {
        case .openai: "/v1/chat/completions"
        case .azure: "/openai/deployments/\(behaviour.rawValue)/chat/completions"
        case .anthropic: "/v1/messages"
        case .gemini: "/v1beta/models/\(behaviour.rawValue):\(stream ? "streamGenerateContent" : "generateContent")"
        case .bedrock: "/model/\(self.upstreamModel(behaviour))/\(stream ? "converse-stream" : "converse")"
        }
    }

    var probePath: String {
        switch self {
        case .openai: "/v1/models"
        case .azure: "/openai/models"
        case .anthropic: "/v1/models"
        case .gemini: "/v1beta/models"
        case .bedrock: self.upstreamPath(.error500, stream: false)
        }
    }

    /// Whether the request carries the deployment's credentials as the provider takes them, and no others.
    func isAuthenticated(_ request: RecordedRequest) -> Bool {
        switch self {
        case .openai: request.header("authorization") == "Bearer sk-upstream-secret"
        case .azure: request.header("api-key") == "sk-azure-secret" && request.header("authorization") == nil
        case .anthropic:
            request.header("x-api-key") == "sk-anthropic-secret" && request.header("anthropic-version") != nil && request.header("authorization") == nil
        case .gemini: request.header("x-goog-api-key") == "gemini-secret" && request.header("authorization") == nil
        case .bedrock: StubBedrock.signatureMatches(request)
        }
    }

    /// The secret a deployment of this kind holds.
    var secret: String {
        switch self {
        case .openai: "sk-upstream-secret"
        case .azure: "sk-azure-secret"
        case .anthropic: "sk-anthropic-secret"
        case .gemini: "gemini-secret"
        case .bedrock: StubBedrock.credentials.secretAccessKey
        }
    }

    /// The request member whose bytes the metered stubs count as the prompt.
    var promptMember: String { self == .gemini ? "contents" : "messages" }

    var plainText: String {
        switch self {
        case .openai, .azure: "Hello! How can I assist you today?"
        case .anthropic, .gemini, .bedrock: "Hello! How can I help?"
        }
    }

    var invalidRequestMessage: String {
        switch self {
        case .openai, .azure: "Invalid value for 'temperature': must be at most 2."
        case .anthropic: "messages.0.content: Input should be a valid list"
        case .gemini: "Request contains an invalid argument."
        case .bedrock: "The provided request is not valid"
        }
    }

    /// The error type of a 429: OpenAI's own (`requests` or `tokens`) passes through as OpenAI
    /// sent it; the others are translated.
    var rateLimitType: String { self == .openai ? "requests" : "rate_limit_error" }

    /// The `Retry-After` a client gets for the stub's 429: the upstream's, or Gemini's
    /// `RetryInfo` rounded up; Bedrock says nothing.
    var retryAfter: String? {
        switch self {
        case .openai, .azure, .gemini: "7"
        case .anthropic: "12"
        case .bedrock: nil
        }
    }
}
