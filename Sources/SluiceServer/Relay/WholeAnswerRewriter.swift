import NIOCore
import SluiceCore

/// Reads the usage of a complete answer in its dialect and puts the public model name in it,
/// leaving every other byte as the upstream sent it.
enum WholeAnswerRewriter {
    /// - Throws: ``GatewayError`` when the upstream's answer is not a JSON object.
    static func rewrite(_ body: ByteBuffer, in dialect: WireDialect, publicModel: String) throws(GatewayError) -> (body: ByteBuffer, usage: Usage?) {
        let result = body.withUnsafeReadableBytes { bytes -> Result<(edits: [BodyEdit], usage: Usage?), GatewayError> in
            let members: [JSONMember]
            do throws(JSONSyntaxError) {
                members = try JSONScanner.topLevelMembers(of: bytes)
            } catch {
                return .failure(.upstreamFailed("its answer is not valid JSON (\(error.reason))"))
            }
            let usage = members.member("usage").flatMap { member -> Usage? in
                switch dialect {
                case .openAIChat: Usage(openAIUsage: member, in: bytes)
                case .anthropicMessages: AnthropicUsageCounts(member, in: bytes)?.usage
                case .openAIResponses: Usage(responsesUsage: member, in: bytes)
                }
            }
            return .success((ModelNameEdit.edits(members: members, publicModel: publicModel, in: bytes), usage))
        }
        let (edits, usage) = try result.get()
        guard !edits.isEmpty else { return (body, usage) }
        return (ByteBuffer(bytes: body.withUnsafeReadableBytes { BodyEdit.apply(edits, to: $0) }), usage)
    }
}

/// The edit that replaces an answer's `model` with the public name, when they differ.
enum ModelNameEdit {
    static func edits(members: [JSONMember], publicModel: String, in bytes: UnsafeRawBufferPointer) -> [BodyEdit] {
        guard let model = members.member("model"), model.kind == .string else { return [] }
        let quoted = JSONString.quoted(publicModel)
        guard !JSONValueReader.bytes(bytes, in: model.value, equal: Array(quoted.utf8)) else { return [] }
        return [BodyEdit(range: model.value, replacement: quoted)]
    }
}
