import Foundation
import Testing

@testable import SluiceConfig

@Suite("Config: the responses section")
struct ResponseStateConfigTests {
    private static let models = """
        models:
          - name: a
            deployments:
              - { provider: mock }

        """

    private func load(_ section: String, environment: [String: String] = [:]) -> (config: GatewayConfig?, problems: [String]) {
        do {
            return (try ConfigLoader.parse(yaml: section + Self.models, environment: environment), [])
        } catch {
            return (nil, error.problems.map(\.description))
        }
    }

    @Test func defaultsKeepResponsesThirtyDaysWithARandomReasoningKey() throws {
        let config = try #require(self.load("").config)
        #expect(config.responses == ResponsesSettings())
        #expect(config.responses.storeTTL == .seconds(30 * 86_400))
        #expect(config.responses.reasoningKey == nil)
        #expect(config.responses.refuseHostedTools == false)
    }

    @Test func everyKeyIsRead() throws {
        let key = Data((0..<32).map { UInt8($0) }).base64EncodedString()
        let section = """
            responses:
              store_ttl: 7d
              reasoning_key: ${SLUICE_REASONING_KEY}
              refuse_hosted_tools: true
              cache_max_responses: 500
              cache_max_bytes: 8MiB
              history_max_depth: 50
              history_max_bytes: 2MiB

            """
        let settings = try #require(self.load(section, environment: ["SLUICE_REASONING_KEY": key]).config?.responses)
        #expect(settings.storeTTL == .seconds(7 * 86_400))
        #expect(settings.reasoningKey == Secret(key))
        #expect(settings.refuseHostedTools)
        #expect(settings.cacheMaxResponses == 500 && settings.cacheMaxBytes == 8 << 20)
        #expect(settings.historyMaxDepth == 50 && settings.historyMaxBytes == 2 << 20)
    }

    @Test(arguments: [
        "c2hvcnQ=",  // 5 bytes
        String(repeating: "A", count: 44),  // 33 bytes, not padded
        Data(repeating: 7, count: 48).base64EncodedString(),
        "not base64 at all, but a secret",
    ])
    func aReasoningKeyThatIsNot32BytesOfBase64IsAProblemThatDoesNotShowIt(key: String) {
        let problems = self.load("responses: { reasoning_key: \"\(key)\" }\n").problems
        #expect(problems.count == 1)
        #expect(problems.first?.contains("responses.reasoning_key: the reasoning key must be 32 bytes in base64") == true, "\(problems)")
        #expect(!problems.joined().contains(key))
    }

    @Test func badValuesAreReportedWithTheirPath() {
        let problems = self.load("""
            responses:
              store_ttl: 0s
              refuse_hosted_tools: sometimes
              cache_max_responses: 0
              cache_max_bytes: lots
              history_max_depth: -1
              sessions: 3

            """).problems
        #expect(problems.contains { $0.contains("responses.store_ttl: must be greater than zero") }, "\(problems)")
        #expect(problems.contains { $0.contains("responses.refuse_hosted_tools: expected true or false") })
        #expect(problems.contains { $0.contains("responses.cache_max_responses: must be at least 1") })
        #expect(problems.contains { $0.contains("responses.cache_max_bytes: expected a positive size") })
        #expect(problems.contains { $0.contains("responses.history_max_depth: must be at least 1") })
        #expect(problems.contains { $0.contains("sessions") })
        #expect(problems.count == 6)
    }

    @Test(arguments: [("30d", Int64(30 * 86_400_000)), ("0.5d", 43_200_000)])
    func durationsAreReadInDays(text: String, milliseconds: Int64) {
        #expect(ConfigValueParsing.duration(text) == .milliseconds(milliseconds))
    }

    @Test(arguments: ["1e300d", "1e30s", "-1d", "inf", "nan"])
    func durationsTooLargeOrNegativeAreRefusedNotACrash(text: String) {
        #expect(ConfigValueParsing.duration(text) == nil)
    }
}
