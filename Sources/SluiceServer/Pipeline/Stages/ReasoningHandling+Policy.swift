import SluiceConfig
import SluiceTranslation

extension ReasoningHandling {
    /// The translators' policy for this setting; nil when answers pass as they are.
    var policy: ReasoningPolicy? {
        switch self {
        case .pass: nil
        case .normalize: ReasoningPolicy(parsesThinkTags: true)
        case .strip: ReasoningPolicy(parsesThinkTags: true, strips: true)
        }
    }
}
