import NIOCore
import SluiceCore

/// Reads the usage of a complete Anthropic message and puts the public model name in it,
/// leaving every other byte as Anthropic sent it.
enum AnthropicMessageRewriter {
    /// - Throws: ``GatewayError`` when the upstream's answer is not a JSON object.
    static func rewrite(_ body: ByteBuffer, publicModel: String) throws(GatewayError) -> (body: ByteBuffer, usage: Usage?) {
        let result = body.withUnsafeReadableBytes { bytes -> Result<(edits: [BodyEdit], usage: Usage?), GatewayError> in
            let members: [JSONMember]
            do throws(JSONSyntaxError) {
                members = try JSONScanner.topLevelMembers(of: bytes)
            } catch {
                return .failure(.upstreamFailed("its answer is not valid JSON (\(error.reason))"))
            }
            let usage = members.member("usage").flatMap { AnthropicUsageCounts($0, in: bytes) }?.usage
            return .success((ModelNameEdit.edits(members: members, publicModel: publicModel, in: bytes), usage))
        }
        let (edits, usage) = try result.get()
        guard !edits.isEmpty else { return (body, usage) }
        return (ByteBuffer(bytes: body.withUnsafeReadableBytes { BodyEdit.apply(edits, to: $0) }), usage)
    }
}
