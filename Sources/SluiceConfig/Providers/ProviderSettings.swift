import SluiceCore

/// A deployment's provider kind with the settings only that kind reads, each read and checked by
/// its own type, so that a provider is built from values that can be neither missing nor malformed.
///
/// A new provider kind adds a case here and in ``ProviderKind``, a settings type with its reading
/// code in this folder, and its provider in `SluiceProviders` with a line in `ProviderFactory`.
public enum ProviderSettings: Sendable, Equatable {
    case openai(OpenAISettings)
    case anthropic(AnthropicSettings)
    case gemini(GeminiSettings)
    case azure(AzureOpenAISettings)
    case bedrock(BedrockSettings)
    case mock(MockSettings)

    public var kind: ProviderKind {
        switch self {
        case .openai: .openai
        case .anthropic: .anthropic
        case .gemini: .gemini
        case .azure: .azure
        case .bedrock: .bedrock
        case .mock: .mock
        }
    }

    /// Where the deployment's requests go; nil for the built-in mock.
    public var origin: UpstreamOrigin? {
        switch self {
        case .openai(let settings): settings.origin
        case .anthropic(let settings): settings.origin
        case .gemini(let settings): settings.origin
        case .azure(let settings): settings.origin
        case .bedrock(let settings): settings.origin
        case .mock: nil
        }
    }
}

extension ProviderSettings {
    /// The deployment keys a kind reads.
    static func keys(of kind: ProviderKind) -> Set<String> {
        switch kind {
        case .openai: OpenAISettings.keys
        case .anthropic: AnthropicSettings.keys
        case .gemini: GeminiSettings.keys
        case .azure: AzureOpenAISettings.keys
        case .bedrock: BedrockSettings.keys
        case .mock: MockSettings.keys
        }
    }

    /// Every key some kind reads.
    static let allKeys: Set<String> = ProviderKind.allCases.reduce(into: []) { $0.formUnion(Self.keys(of: $1)) }

    /// The settings of the entry's kind, or nil after reporting why there are none.
    static func read(_ entry: DeploymentEntry, reader: inout ConfigReader) -> Self? {
        switch entry.kind {
        case .openai: OpenAISettings.read(entry, reader: &reader).map(Self.openai)
        case .anthropic: AnthropicSettings.read(entry, reader: &reader).map(Self.anthropic)
        case .gemini: GeminiSettings.read(entry, reader: &reader).map(Self.gemini)
        case .azure: AzureOpenAISettings.read(entry, reader: &reader).map(Self.azure)
        case .bedrock: BedrockSettings.read(entry, reader: &reader).map(Self.bedrock)
        case .mock: .mock(MockSettings.read(entry, reader: &reader))
        }
    }
}
