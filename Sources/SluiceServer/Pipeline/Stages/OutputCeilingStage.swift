import NIOCore
import SluiceCore

/// Caps each answer's output: a request asking for more than the profile's ceiling, or naming
/// no limit, is sent with the ceiling (in `max_completion_tokens` when the client used that
/// name, else `max_tokens`). Budgets, routing estimates and the upstream all see the capped body.
/// An Anthropic thinking budget must stay under `max_tokens`: one the ceiling passes is halved
/// to fit (Anthropic's minimum is 1,024 tokens), or thinking is turned off when even that does not.
struct OutputCeilingStage: PipelineStage {
    static let name = "output_ceiling"
    var name: String { Self.name }
    let hooks: StageHooks = [.beforeDispatch]
    let maxOutputTokens: Int

    func beforeDispatch(_ exchange: inout Exchange) async throws(GatewayError) -> StageVerdict {
        let summary = exchange.summary
        guard summary.endpoint != .embeddings, (summary.maxOutputTokens ?? .max) > self.maxOutputTokens else { return .proceed }
        let limit = String(self.maxOutputTokens)
        let edited = exchange.body.withUnsafeReadableBytes { bytes -> [UInt8] in
            let named = ["max_completion_tokens", "max_tokens"].compactMap { summary.members.member($0) }
            let limiting = named.filter { $0.kind != .null }
            // A `null` limit is no limit: it is replaced, since a body naming a member twice is refused.
            var edits = (limiting.isEmpty ? named : limiting).map { BodyEdit(range: $0.value, replacement: limit) }
            if edits.isEmpty {
                let end = summary.members.map(\.value.upperBound).max() ?? 1
                edits = [BodyEdit(range: end..<end, replacement: (summary.members.isEmpty ? "" : ",") + #""max_tokens":"# + limit)]
            }
            if let thinking = self.thinkingEdit(summary.members, in: bytes) { edits.append(thinking) }
            return BodyEdit.apply(edits.sorted { $0.range.lowerBound < $1.range.lowerBound }, to: bytes)
        }
        try exchange.replaceBody(ByteBuffer(bytes: edited))
        return .proceed
    }

    /// Anthropic's smallest thinking budget.
    static let minimumThinkingBudget = 1024

    /// The edit that keeps an Anthropic `thinking.budget_tokens` under the ceiling; nil when it is.
    private func thinkingEdit(_ members: [JSONMember], in bytes: UnsafeRawBufferPointer) -> BodyEdit? {
        guard let thinking = members.member("thinking"), thinking.kind == .object,
            let budget = JSONScanner.members(of: bytes, objectAt: thinking.value).member("budget_tokens"),
            case .integer(let tokens) = JSONValueReader.integerReading(budget, in: bytes), tokens >= self.maxOutputTokens
        else { return nil }
        let halved = max(Self.minimumThinkingBudget, self.maxOutputTokens / 2)
        guard halved < self.maxOutputTokens else { return BodyEdit(range: thinking.value, replacement: #"{"type":"disabled"}"#) }
        return BodyEdit(range: budget.value, replacement: String(halved))
    }
}
