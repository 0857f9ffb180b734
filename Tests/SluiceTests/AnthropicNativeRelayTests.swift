import NIOCore
import SluiceConfig
import SluiceCore
import Testing

@testable import SluiceServer

/// Event sequences in the shapes of Anthropic's Messages API reference (streaming, extended
/// thinking, tool use, prompt caching with `cache_creation` by lifetime, `error` events).
private enum AnthropicStreams {
    /// Thinking, then text, then a tool call, with pings between; the prompt partly read from and
    /// partly written to the cache; `message_delta` repeating the input counts as newer API versions do.
    static let thinkingTextAndTool = """
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_01WBeG2NaYQ8w99747S3n8MZ","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":21,"cache_creation_input_tokens":1800,"cache_read_input_tokens":3000,"cache_creation":{"ephemeral_5m_input_tokens":600,"ephemeral_1h_input_tokens":1200},"output_tokens":1,"service_tier":"standard"}}}

        event: content_block_start
        data: {"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": "", "signature": ""}}

        event: content_block_delta
        data: {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "I need to find the GCD of 1071 and 462.\\n\\n1071 = 2 × 462 + 147"}}

        event: ping
        data: {"type": "ping"}

        event: content_block_delta
        data: {"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"}}

        event: content_block_stop
        data: {"type": "content_block_stop", "index": 0}

        event: content_block_start
        data: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"The GCD is **21**. Let me \\"check\\""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":" the weather too."}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":1}

        event: content_block_start
        data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\\"location\\": \\"San Fra"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"ncisco, CA\\"}"}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":2}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"input_tokens":21,"cache_creation_input_tokens":1800,"cache_read_input_tokens":3000,"output_tokens":212}}

        event: message_stop
        data: {"type":"message_stop"}


        """

    /// The same stream as the client must see it when the public model name is `claude-public`.
    static let thinkingTextAndToolAsRelayed = thinkingTextAndTool.replacingOccurrences(
        of: #""model":"claude-sonnet-4-5-20250929""#, with: #""model":"claude-public""#
    )

    static let start = """
        event: message_start
        data: {"type": "message_start", "message": {"id": "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY", "type": "message", "role": "assistant", "content": [], "model": "claude-sonnet-4-5", "stop_reason": null, "stop_sequence": null, "usage": {"input_tokens": 25, "output_tokens": 1}}}


        """

    static func text(_ text: String, index: Int = 0) -> String {
        #"event: content_block_delta\#ndata: {"type": "content_block_delta","index": \#(index),"delta": {"type": "text_delta","text": "\#(text)"}}\#n\#n"#
    }

    static let overloaded = """
        event: error
        data: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}


        """
}

@Suite("Relaying Anthropic streams natively")
struct AnthropicStreamRelayTests {
    private func relay(
        _ pieces: [String], publicModel: String = "claude-public", cap: Int? = nil, keepsText: Bool = false
    ) throws -> (String, AnthropicStreamRelay) {
        var relay = AnthropicStreamRelay(publicModel: publicModel, outputTokenCap: cap, keepsText: keepsText)
        var output = ""
        for piece in pieces {
            output += String(buffer: try relay.relay(ByteBuffer(string: piece)))
        }
        return (output, relay)
    }

    private let expectedUsage = Usage(
        promptTokens: 21 + 3000 + 1800, completionTokens: 212, cachedPromptTokens: 3000, cacheWritePromptTokens: 1800, oneHourCacheWritePromptTokens: 1200
    )

    @Test func aStreamSplitAtEveryByteComesOutAsSentButForTheModel() throws {
        let bytes = Array(AnthropicStreams.thinkingTextAndTool.utf8)
        let expected = AnthropicStreams.thinkingTextAndToolAsRelayed
        for split in 1..<bytes.count {
            var relay = AnthropicStreamRelay(publicModel: "claude-public")
            var output = try relay.relay(ByteBuffer(bytes: bytes[..<split]))
            var rest = try relay.relay(ByteBuffer(bytes: bytes[split...]))
            output.writeBuffer(&rest)
            #expect(String(buffer: output) == expected, "split at \(split)")
            #expect(relay.isComplete)
            #expect(relay.usage == self.expectedUsage)
        }
    }

    @Test func aStreamOneByteAtATimeComesOutAsSent() throws {
        var relay = AnthropicStreamRelay(publicModel: "claude-public", keepsText: true)
        var output = ByteBuffer()
        let bytes = Array(AnthropicStreams.thinkingTextAndTool.utf8)
        for (index, byte) in bytes.enumerated() {
            var piece = try relay.relay(ByteBuffer(bytes: [byte]))
            output.writeBuffer(&piece)
            #expect(relay.isComplete == (index == bytes.count - 1))
        }
        #expect(String(buffer: output) == AnthropicStreams.thinkingTextAndToolAsRelayed)
        #expect(relay.isComplete)
        #expect(relay.usage == self.expectedUsage)
        #expect(relay.outputEvents == 5)
        #expect(relay.completionText.map { String(decoding: $0, as: UTF8.self) } == #"The GCD is **21**. Let me \"check\" the weather too."#)
    }

    @Test func aStreamForTheSameModelIsForwardedByteForByte() throws {
        let (output, relay) = try self.relay([AnthropicStreams.thinkingTextAndTool], publicModel: "claude-sonnet-4-5-20250929")
        #expect(output == AnthropicStreams.thinkingTextAndTool)
        #expect(relay.completionText == nil)
    }

    @Test func theModelIsRewrittenInsideTheEventAsSent() throws {
        let crlf = "event: message_start\r\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"claude-x\",\"usage\":{\"input_tokens\":3}}}\r\n\r\n"
            + "event: message_stop\r\ndata: {\"type\":\"message_stop\"}\r\n\r\n"
        let bytes = Array(crlf.utf8)
        for split in 1..<bytes.count {
            let pieces = [String(decoding: bytes[..<split], as: UTF8.self), String(decoding: bytes[split...], as: UTF8.self)]
            let (output, relay) = try self.relay(pieces, publicModel: "p")
            #expect(output == crlf.replacingOccurrences(of: "claude-x", with: "p"), "split at \(split)")
            #expect(relay.usage == Usage(promptTokens: 3, completionTokens: 0))
            #expect(relay.isComplete)
        }
        // Data over several lines (legal SSE, though Anthropic sends one) is sent again line by line.
        let split = "event: message_start\ndata: {\"type\":\"message_start\",\ndata: \"message\":{\"model\":\"claude-x\"}}\n\n"
        let (rewritten, _) = try self.relay([split], publicModel: "p")
        #expect(rewritten == split.replacingOccurrences(of: "claude-x", with: "p"))
    }

    @Test func messageDeltaCountsReplaceTheStartsAndKeepWhatItLeavesOut() throws {
        let start = #"event: message_start\#ndata: {"type":"message_start","message":{"model":"m","usage":{"input_tokens":12,"cache_creation_input_tokens":400,"cache_read_input_tokens":0,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":400},"output_tokens":1}}}\#n\#n"#
        let (_, started) = try self.relay([start])
        #expect(started.usage == Usage(promptTokens: 412, completionTokens: 1, cacheWritePromptTokens: 400, oneHourCacheWritePromptTokens: 400))
        let older = #"event: message_delta\#ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}\#n\#n"#
        let (_, afterOlder) = try self.relay([start, older])
        #expect(afterOlder.usage == Usage(promptTokens: 412, completionTokens: 15, cacheWritePromptTokens: 400, oneHourCacheWritePromptTokens: 400))
        let newer = #"event: message_delta\#ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":12,"cache_creation_input_tokens":400,"cache_read_input_tokens":100,"output_tokens":30}}\#n\#n"#
        let (_, afterNewer) = try self.relay([start, older, newer])
        #expect(afterNewer.usage == Usage(promptTokens: 512, completionTokens: 30, cachedPromptTokens: 100, cacheWritePromptTokens: 400, oneHourCacheWritePromptTokens: 400))
        let (_, noUsage) = try self.relay([AnthropicStreams.text("hi")])
        #expect(noUsage.usage == nil)
        // Cut before its message_delta, a stream counts the output it carried, not the placeholder.
        let (_, cut) = try self.relay([AnthropicStreams.start] + ["a", "b", "c"].map { AnthropicStreams.text($0) })
        #expect(cut.usage == Usage(promptTokens: 25, completionTokens: 3))
        // Once message_delta gives the count, it stands, even below the events seen.
        let final = #"event: message_delta\#ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2}}\#n\#n"#
        let (_, counted) = try self.relay([AnthropicStreams.start] + ["a", "b", "c"].map { AnthropicStreams.text($0) } + [final])
        #expect(counted.usage == Usage(promptTokens: 25, completionTokens: 2))
    }

    @Test func countsFromTheUpstreamAreClamped() throws {
        let start = #"event: message_start\#ndata: {"type":"message_start","message":{"model":"m","usage":{"input_tokens":-5,"cache_creation_input_tokens":99999999999999999999999,"cache_read_input_tokens":1.5,"cache_creation":{"ephemeral_1h_input_tokens":9223372036854775807},"output_tokens":"7"}}}\#n\#n"#
        let delta = #"event: message_delta\#ndata: {"type":"message_delta","delta":{},"usage":{"output_tokens":1e400,"input_tokens":null}}\#n\#n"#
        let (_, relay) = try self.relay([start, delta])
        let usage = try #require(relay.usage)
        #expect(usage == Usage(promptTokens: Usage.maximumCount, completionTokens: 0, cacheWritePromptTokens: Usage.maximumCount, oneHourCacheWritePromptTokens: Usage.maximumCount))
        #expect(usage.totalTokens == Usage.maximumCount)
    }

    @Test func anErrorEventIsNotedAndLeftToTheGateway() throws {
        let (output, relay) = try self.relay([AnthropicStreams.start + AnthropicStreams.text("Hel") + AnthropicStreams.overloaded])
        #expect(output == AnthropicStreams.start.replacingOccurrences(of: "claude-sonnet-4-5", with: "claude-public") + AnthropicStreams.text("Hel"))
        #expect(relay.upstreamError == "Overloaded")
        #expect(!relay.isComplete)
        let (_, bare) = try self.relay(["event: error\ndata: {\"type\":\"error\"}\n\n"])
        #expect(bare.upstreamError == "unspecified upstream error")
    }

    @Test func aStreamWithoutMessageStopOrWithAPartialEventIsNotComplete() throws {
        let (_, cut) = try self.relay([AnthropicStreams.start, AnthropicStreams.text("a")])
        #expect(!cut.isComplete)
        let (output, partial) = try self.relay([AnthropicStreams.start, "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\nevent: ping\ndata: {\"ty"])
        #expect(!partial.isComplete)
        #expect(output.hasSuffix("{\"type\":\"message_stop\"}\n\n"))
    }

    @Test func outputPastTheCapCutsTheStream() throws {
        let stream = AnthropicStreams.start + AnthropicStreams.text("a") + AnthropicStreams.text("b") + AnthropicStreams.text("c")
        #expect(throws: GatewayError.outputCapReached(2)) { try self.relay([stream], cap: 2) }
        let (_, relay) = try self.relay([AnthropicStreams.start + AnthropicStreams.text("a") + AnthropicStreams.text("") + AnthropicStreams.text("b")], cap: 2)
        #expect(relay.outputEvents == 2)
        // Thinking and tool input count; signatures do not.
        #expect(throws: GatewayError.outputCapReached(4)) { try self.relay([AnthropicStreams.thinkingTextAndTool], cap: 4) }
        let (_, full) = try self.relay([AnthropicStreams.thinkingTextAndTool], cap: 5)
        #expect(full.isComplete)
    }

    @Test func somethingThatIsNotAnAnthropicStreamIsAnError() {
        #expect(throws: GatewayError.self) { try self.relay(["data: <html>\n\n"]) }
        let endless = String(repeating: "x", count: AnthropicStreamRelay.maximumEventBytes / 2)
        #expect(throws: GatewayError.self) { try self.relay(["data: " + endless, endless, "x"]) }
    }
}

@Suite("Rewriting whole Anthropic messages")
struct WholeAnswerRewriterTests {
    private let message = """
        {"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",
         "content":[{"type":"thinking","thinking":"Let me think","signature":"WaUjzkyp=="},{"type":"text","text":"Hello! \\u00e9",
         "citations":[{"type":"char_location","cited_text":"x","document_index":0,"start_char_index":0,"end_char_index":1}]}],
         "stop_reason":"end_turn","stop_sequence":null,
         "usage":{"input_tokens":2095,"cache_creation_input_tokens":2051,"cache_read_input_tokens":1000,
          "cache_creation":{"ephemeral_5m_input_tokens":51,"ephemeral_1h_input_tokens":2000},"output_tokens":503,"service_tier":"standard"}}
        """

    @Test func onlyTheModelChangesAndUsageIsRead() throws {
        let (body, usage) = try WholeAnswerRewriter.rewrite(ByteBuffer(string: self.message), in: .anthropicMessages, publicModel: "claude-public")
        #expect(String(buffer: body) == self.message.replacingOccurrences(of: "claude-sonnet-4-5-20250929", with: "claude-public"))
        #expect(usage == Usage(
            promptTokens: 2095 + 2051 + 1000, completionTokens: 503, cachedPromptTokens: 1000, cacheWritePromptTokens: 2051, oneHourCacheWritePromptTokens: 2000
        ))
        let (same, _) = try WholeAnswerRewriter.rewrite(ByteBuffer(string: self.message), in: .anthropicMessages, publicModel: "claude-sonnet-4-5-20250929")
        #expect(String(buffer: same) == self.message)
    }

    @Test func anAnswerThatIsNotJSONIsAnError() {
        #expect(throws: GatewayError.self) { try WholeAnswerRewriter.rewrite(ByteBuffer(string: "<html>"), in: .anthropicMessages, publicModel: "p") }
        #expect((try? WholeAnswerRewriter.rewrite(ByteBuffer(string: #"{"model":"p"}"#), in: .anthropicMessages, publicModel: "p"))?.usage == nil)
    }
}

@Suite("Pricing prompt-cache reads and writes")
struct CacheWritePricingTests {
    private let usage = Usage(promptTokens: 1_000_000 + 2_000_000 + 3_000_000, completionTokens: 1_000_000, cachedPromptTokens: 2_000_000, cacheWritePromptTokens: 3_000_000, oneHourCacheWritePromptTokens: 1_000_000)

    @Test func cacheWritesCostAnthropicsPremiumByDefault() {
        let price = Price(inputPerMillion: 3, outputPerMillion: 15, cachedInputPerMillion: 0.3)
        // 1M plain at 3, 2M read at 0.3, 2M five-minute writes at 3.75, 1M one-hour writes at 6, 1M output at 15.
        #expect(abs(price.cost(of: self.usage) - (3 + 0.6 + 7.5 + 6 + 15)) < 1e-9)
        #expect(price.cost(of: Usage(promptTokens: 1_000_000, completionTokens: 0)) == 3)
    }

    @Test func configuredCacheWritePricesApply() throws {
        let config = try ConfigLoader.parse(yaml: """
            models:
              - name: claude
                deployments:
                  - provider: anthropic
                    api_key: k
                    model: claude-sonnet-4-5
                    price: { input_per_million: 3, output_per_million: 15, cached_input_per_million: 0.3, cache_write_per_million: 4, cache_write_1h_per_million: 7 }
            """, environment: [:])
        let price = try #require(config.models.first?.deployments.first?.price)
        #expect(price == Price(inputPerMillion: 3, outputPerMillion: 15, cachedInputPerMillion: 0.3, cacheWritePerMillion: 4, oneHourCacheWritePerMillion: 7))
        #expect(abs(price.cost(of: self.usage) - (3 + 0.6 + 8 + 7 + 15)) < 1e-9)
        #expect(throws: ConfigError.self) {
            try ConfigLoader.parse(yaml: """
                models:
                  - name: claude
                    deployments:
                      - { provider: anthropic, api_key: k, model: c, price: { cache_write_per_million: -1 } }
                """, environment: [:])
        }
    }

    @Test func cacheWritesNeverExceedThePromptTheyArePartOf() {
        let usage = Usage(promptTokens: 10, completionTokens: 0, cachedPromptTokens: 8, cacheWritePromptTokens: 50, oneHourCacheWritePromptTokens: 70)
        #expect(usage.cacheWritePromptTokens == 2)
        #expect(usage.oneHourCacheWritePromptTokens == 2)
        let huge = Usage(uncachedInput: .max, cacheRead: .max, cacheWrite: .max, oneHourCacheWrite: .max, output: .min)
        #expect(huge.promptTokens == Usage.maximumCount)
        #expect(huge.cachedPromptTokens + huge.cacheWritePromptTokens <= huge.promptTokens)
        #expect(Price(inputPerMillion: 1).cost(of: huge).isFinite)
    }

    @Test func theAuditLineShowsCacheWrites() throws {
        let usage = Usage(uncachedInput: 10, cacheRead: 20, cacheWrite: 30, output: 4)
        let record = RequestRecord(
            requestID: "r", endpoint: .chatCompletions, model: "m", servedModel: "m", deployment: "anthropic:m", stream: false, status: 200, attempts: 1,
            usage: usage, cost: 0, latency: .zero, timeToFirstToken: nil, tenantID: nil
        )
        let line = String(decoding: AuditLine.render(record, finishedAtMicros: 0, includeContent: false), as: UTF8.self)
        #expect(line.contains(#""prompt_tokens":60,"completion_tokens":4,"cached_tokens":20,"cache_write_tokens":30,"cost_usd":0.0"#))
    }

    @Test func openAIShapedUsageCarriesCacheWrites() {
        let json = #"{"usage":{"prompt_tokens":100,"completion_tokens":5,"prompt_tokens_details":{"cached_tokens":40,"cache_write_tokens":30}}}"#
        let usage = Array(json.utf8).withUnsafeBytes { bytes -> Usage? in
            guard let member = try? JSONScanner.topLevelMembers(of: bytes).member("usage") else { return nil }
            return Usage(openAIUsage: member, in: bytes)
        }
        #expect(usage == Usage(promptTokens: 100, completionTokens: 5, cachedPromptTokens: 40, cacheWritePromptTokens: 30))
    }
}
