/// How the translators treat a model's reasoning (chain-of-thought) text.
public struct ReasoningPolicy: Sendable, Equatable {
    /// Whether `<think>…</think>` sections in generated text are reasoning rather than answer.
    public var parsesThinkTags: Bool
    /// Whether the model's chat template opens the `<think>` section itself, so the output
    /// begins inside it.
    public var startsInsideThinkTag: Bool
    /// Whether reasoning is removed altogether instead of passed to the client.
    public var strips: Bool

    public init(parsesThinkTags: Bool = false, startsInsideThinkTag: Bool = false, strips: Bool = false) {
        self.parsesThinkTags = parsesThinkTags
        self.startsInsideThinkTag = startsInsideThinkTag
        self.strips = strips
    }

    /// Reasoning is passed on as the upstream sent it, and content is never searched for tags.
    public static let passThrough = ReasoningPolicy()

    func makeSplitter() -> ReasoningSplitter? {
        self.parsesThinkTags ? ReasoningSplitter(startsInsideReasoning: self.startsInsideThinkTag) : nil
    }
}
