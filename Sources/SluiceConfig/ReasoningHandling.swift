/// What a deployment's reasoning becomes for OpenAI clients (Anthropic clients get thinking
/// blocks from `reasoning_content` either way).
public enum ReasoningHandling: String, Sendable, CaseIterable {
    /// As the server sends it: `reasoning_content` (DeepSeek, vLLM), or Anthropic's thinking
    /// translated to `reasoning_content`.
    case pass
    /// Also moves `reasoning` members and `<think>…</think>` text inside the content (Qwen,
    /// DeepSeek-R1 templates) to `reasoning_content`, even when a tag is split across chunks.
    case normalize
    /// Removes reasoning from answers, whichever way it came.
    case strip
}
