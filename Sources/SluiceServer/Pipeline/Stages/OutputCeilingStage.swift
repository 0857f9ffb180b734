import NIOCore
import SluiceCore

/// Caps each answer's output: a request asking for more than the profile's ceiling, or naming
/// no limit, is sent with the ceiling (in `max_completion_tokens` when the client used that
/// name, else `max_tokens`). Budgets, routing estimates and the upstream all see the capped body.
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
            return BodyEdit.apply(edits.sorted { $0.range.lowerBound < $1.range.lowerBound }, to: bytes)
        }
        try exchange.replaceBody(ByteBuffer(bytes: edited))
        return .proceed
    }
}
