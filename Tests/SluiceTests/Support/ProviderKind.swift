/// The provider kinds a gateway deployment can have in front of an upstream stub, and the
/// models every test gateway has for the provider conformance suite: one per kind and
/// ``ConformanceBehaviour``, named `conformance-<kind>-<behaviour>`.
enum ProviderKind: String, CaseIterable, Sendable {
    case openai
    case azure
    case anthropic
    case gemini
    case bedrock

    /// The public model whose deployment asks this kind's stub for `behaviour`.
    func model(_ behaviour: ConformanceBehaviour) -> String {
        "conformance-\(self.rawValue)-\(behaviour.rawValue)"
    }

    /// The upstream model a deployment names for `behaviour`. Bedrock's are Claude ids, so that
    /// the gateway asks them for reasoning.
    func upstreamModel(_ behaviour: ConformanceBehaviour) -> String {
        self == .bedrock ? "anthropic.claude-\(behaviour.rawValue)" : behaviour.rawValue
    }

    /// The config's `models:` entries for every kind and behaviour.
    static func conformanceModels(stubURL: String, anthropicURL: String, bedrockURL: String, geminiURL: String) -> String {
        var yaml = ""
        for kind in Self.allCases {
            for behaviour in ConformanceBehaviour.allCases {
                let model = kind.upstreamModel(behaviour)
                let price = "price: { input_per_million: 1, output_per_million: 2 }"
                let deployment = switch kind {
                case .openai: "{ provider: openai, base_url: \(stubURL), api_key: sk-upstream-secret, model: \(model), \(price) }"
                case .azure: "{ provider: azure, base_url: \"\(stubURL.dropLast(3))\", api_key: sk-azure-secret, model: \(model), \(price) }"
                case .anthropic: "{ provider: anthropic, base_url: \(anthropicURL), api_key: sk-anthropic-secret, model: \(model), \(price) }"
                case .gemini: "{ provider: gemini, base_url: \(geminiURL), api_key: gemini-secret, model: \(model), \(price) }"
                case .bedrock:
                    "{ provider: bedrock, base_url: \(bedrockURL), region: \(StubBedrock.region), "
                        + "aws_access_key_id: \(StubBedrock.credentials.accessKeyID), aws_secret_access_key: \(StubBedrock.credentials.secretAccessKey), "
                        + "aws_session_token: \(StubBedrock.credentials.sessionToken!), model: \(model), \(price) }"
                }
                yaml += "  - name: \(kind.model(behaviour))\n    deployments:\n      - \(deployment)\n"
            }
        }
        return yaml
    }
}

/// What every upstream stub does when asked for the upstream model of the same name.
///
/// | behaviour | answer |
/// |---|---|
/// | `ok` | a text answer, whole or streamed |
/// | `tools` | a `get_weather` call when the request offers tools; once the call's result is sent back (bound to the call's id), a text answer that quotes it |
/// | `reasoning` | the answer "Hello!" with the reasoning "The user wants a greeting." when the request asks for reasoning in the provider's terms; without it otherwise |
/// | `metered` | "tok " as many times as the request's output limit, usage counting them and a quarter of the prompt's bytes (``StubMeteredAnswer``) |
/// | `error-400`, `error-401`, `error-500` | that status with the provider's error body (Bedrock's credential error is a 403 `UnrecognizedClientException`, as AWS sends it) |
/// | `rate-limited` | 429 with the provider's way of saying when to retry |
/// | `cut` | streamed: "Hello", then the connection drops |
/// | `stall` | streamed: "Hello", then silence until the gateway hangs up |
/// | `stall-head` | no answer at all until the gateway hangs up |
enum ConformanceBehaviour: String, CaseIterable, Sendable {
    case ok
    case tools
    case reasoning
    case metered
    case error400 = "error-400"
    case error401 = "error-401"
    case rateLimited = "rate-limited"
    case error500 = "error-500"
    case cut
    case stall
    case stallHead = "stall-head"

    /// The reasoning and answer of `reasoning`.
    static let reasoningText = "The user wants a greeting."
    static let reasoningAnswer = "Hello!"
}
