import NIOCore
import SluiceCore

/// One Responses API request's own part of the conversation, read from the client's body before
/// the conversation it continues is brought in: what the answer echoes and what is stored.
struct ResponsesTurn: Sendable {
    /// The id the answer gets when the gateway writes it (a deployment that speaks the Responses
    /// API gives its own).
    let responseID: String
    /// Unix seconds.
    let createdAt: Int
    /// The body as the client wrote it.
    let clientBody: ByteBuffer
    /// Whether the finished response is kept so that a later turn can continue it (`store`,
    /// true unless the client said false).
    let store: Bool
    let previousResponseID: String?
    /// This turn's input as a JSON array of items (a string input becomes one user message).
    let inputItems: [UInt8]

    /// Reads the members the turn needs from the client's body.
    /// - Throws: 400 naming the member when `store`, `previous_response_id` or `input` has the wrong type.
    init(clientBody body: ByteBuffer, responseID: String, createdAt: Int) throws(GatewayError) {
        self.responseID = responseID
        self.createdAt = createdAt
        self.clientBody = body
        let read = body.withUnsafeReadableBytes { bytes -> Result<(store: Bool, previous: String?, input: [UInt8]), GatewayError> in
            Result { () throws(GatewayError) in try Self.read(bytes) }
        }
        (self.store, self.previousResponseID, self.inputItems) = try read.get()
    }

    private static func read(_ bytes: UnsafeRawBufferPointer) throws(GatewayError) -> (store: Bool, previous: String?, input: [UInt8]) {
        let members: [JSONMember]
        do throws(JSONSyntaxError) {
            members = try JSONScanner.topLevelMembers(of: bytes)
        } catch {
            throw GatewayError.malformedJSON(error)
        }
        var store = true
        if let member = members.member("store"), member.kind != .null {
            guard let value = JSONValueReader.bool(member, in: bytes) else {
                throw GatewayError.invalidRequest("Invalid type for 'store': expected a boolean.", param: "store")
            }
            store = value
        }
        var previous: String?
        if let member = members.member("previous_response_id"), member.kind != .null {
            guard let value = JSONValueReader.string(member, in: bytes), !value.isEmpty else {
                throw GatewayError.invalidRequest("Invalid type for 'previous_response_id': expected a non-empty string.", param: "previous_response_id")
            }
            previous = value
        }
        guard let input = members.member("input") else {
            throw GatewayError.invalidRequest("Missing required parameter: 'input'.", param: "input")
        }
        switch input.kind {
        case .array:
            return (store, previous, Array(bytes[input.value]))
        case .string:
            let text = Array(bytes[input.value])
            return (store, previous, Array(#"[{"type":"message","role":"user","content":[{"type":"input_text","text":"#.utf8) + text + Array("}]}]".utf8))
        default:
            throw GatewayError.invalidRequest("Invalid type for 'input': expected a string or an array of input items.", param: "input")
        }
    }

    /// The body the pipeline runs: `input` preceded by the items of the conversation it
    /// continues, and `previous_response_id` made null (the conversation is in `input` now).
    func continuing(_ history: [[UInt8]]) -> ByteBuffer {
        guard !history.isEmpty else { return self.clientBody }
        let edits = self.clientBody.withUnsafeReadableBytes { bytes -> [BodyEdit] in
            guard let members = try? JSONScanner.topLevelMembers(of: bytes), let input = members.member("input") else { return [] }
            var items: [UInt8] = [UInt8(ascii: "[")]
            for item in history {
                items += item
                items.append(UInt8(ascii: ","))
            }
            // This turn's items, without the brackets of their array.
            let own = self.inputItems.dropFirst().dropLast()
            if own.contains(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) {
                items += own
            } else {
                items.removeLast()
            }
            items.append(UInt8(ascii: "]"))
            var edits = [BodyEdit(range: input.value, replacement: items)]
            if let previous = members.member("previous_response_id") { edits.append(BodyEdit(range: previous.value, replacement: "null")) }
            return edits.sorted { $0.range.lowerBound < $1.range.lowerBound }
        }
        return ByteBuffer(bytes: self.clientBody.withUnsafeReadableBytes { BodyEdit.apply(edits, to: $0) })
    }
}
