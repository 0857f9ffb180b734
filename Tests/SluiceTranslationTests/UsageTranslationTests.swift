import SluiceCore
import Testing

@testable import SluiceTranslation

@Suite("Usage read from each dialect")
struct UsageTranslationTests {
    /// Anthropic and Bedrock add cache reads and writes to the input tokens: counts at 2^63 - 1
    /// saturate instead of trapping, and the result stays within ``Usage/maximumCount``.
    @Test func cacheCountsAtTheLimitOfIntAddUpWithoutTrapping() throws {
        let huge = "9223372036854775807"
        let anthropic = try JSONValue.parseObject(Array(#"{"input_tokens":\#(huge),"cache_read_input_tokens":\#(huge),"cache_creation_input_tokens":5,"output_tokens":\#(huge)}"#.utf8))
        let converse = try JSONValue.parseObject(Array(#"{"inputTokens":\#(huge),"cacheReadInputTokens":\#(huge),"cacheWriteInputTokens":\#(huge),"outputTokens":-4}"#.utf8))
        for usage in [Usage(anthropicUsage: anthropic), Usage(converseUsage: converse)] {
            #expect(usage.promptTokens == Usage.maximumCount)
            #expect(usage.cachedPromptTokens <= usage.promptTokens)
            #expect(usage.completionTokens >= 0 && usage.completionTokens <= Usage.maximumCount)
        }
    }

    /// Anthropic's cache writes stay apart from its reads through translation, with their
    /// one-hour share, and reach OpenAI's shape as `prompt_tokens_details.cache_write_tokens`.
    @Test func cacheWritesAreKeptApartAndCarriedToOpenAIsShape() throws {
        let anthropic = try JSONValue.parseObject(Array(#"""
            {"input_tokens":12,"cache_creation_input_tokens":3000,"cache_read_input_tokens":500,
             "cache_creation":{"ephemeral_5m_input_tokens":1000,"ephemeral_1h_input_tokens":2000},"output_tokens":40}
            """#.utf8))
        let usage = Usage(anthropicUsage: anthropic)
        #expect(usage == Usage(promptTokens: 3512, completionTokens: 40, cachedPromptTokens: 500, cacheWritePromptTokens: 3000, oneHourCacheWritePromptTokens: 2000))
        #expect(usage.openAIJSON == json(#"{"prompt_tokens":3512,"completion_tokens":40,"total_tokens":3552,"prompt_tokens_details":{"cached_tokens":500,"cache_write_tokens":3000}}"#))
        #expect(usage.anthropicJSON == json(#"{"input_tokens":12,"cache_creation_input_tokens":3000,"cache_read_input_tokens":500,"output_tokens":40}"#))
        #expect(Usage(openAIUsage: usage.openAIJSON) == Usage(promptTokens: 3512, completionTokens: 40, cachedPromptTokens: 500, cacheWritePromptTokens: 3000))
        let converse = try JSONValue.parseObject(Array(#"{"inputTokens":7,"cacheReadInputTokens":20,"cacheWriteInputTokens":30,"outputTokens":4}"#.utf8))
        #expect(Usage(converseUsage: converse) == Usage(promptTokens: 57, completionTokens: 4, cachedPromptTokens: 20, cacheWritePromptTokens: 30))
    }

    /// A translated stream's usage keeps the one-hour share `message_start` reported when a
    /// later `message_delta` repeats the counts without the breakdown.
    @Test func aTranslatedStreamKeepsTheOneHourShareOfItsCacheWrites() throws {
        let stream = """
            event: message_start
            data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"c","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":5,"cache_creation_input_tokens":400,"cache_read_input_tokens":0,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":400},"output_tokens":1}}}

            event: message_delta
            data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":5,"cache_creation_input_tokens":400,"cache_read_input_tokens":0,"output_tokens":9}}

            event: message_stop
            data: {"type":"message_stop"}


            """
        var translator = AnthropicStreamToOpenAI(publicModel: "p", created: 0, includeUsage: true)
        _ = try translator.translate(Array(stream.utf8))
        #expect(translator.usage == Usage(promptTokens: 405, completionTokens: 9, cacheWritePromptTokens: 400, oneHourCacheWritePromptTokens: 400))
    }
}
