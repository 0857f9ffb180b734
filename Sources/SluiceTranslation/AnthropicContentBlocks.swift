/// A whole OpenAI message's reasoning and text as Anthropic `thinking` and `text` blocks, in the
/// order generated, with `<think>` sections split out when the policy says so.
struct AnthropicContentBlocks {
    let policy: ReasoningPolicy
    var splitter: ReasoningSplitter?
    var blocks: [JSONValue] = []

    init(policy: ReasoningPolicy) {
        self.policy = policy
        self.splitter = policy.makeSplitter()
    }

    mutating func add(reasoning: String?) {
        guard let reasoning, !reasoning.isEmpty else { return }
        self.append(.reasoning(reasoning))
    }

    mutating func add(text: String?) {
        guard let text else { return }
        guard var splitter = self.splitter else {
            self.append(.content(text))
            return
        }
        for segment in splitter.split(text) { self.append(segment) }
        self.splitter = splitter
    }

    mutating func finish() {
        guard var splitter = self.splitter else { return }
        for segment in splitter.finish() { self.append(segment) }
        self.splitter = splitter
    }

    private mutating func append(_ segment: ReasoningSplitter.Segment) {
        switch segment {
        case .reasoning(let text):
            guard !self.policy.strips else { return }
            self.blocks.append(["type": "thinking", "thinking": .string(text), "signature": ""])
        case .content(let text):
            guard !text.isEmpty else { return }
            self.blocks.append(["type": "text", "text": .string(text)])
        }
    }
}
