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
}
