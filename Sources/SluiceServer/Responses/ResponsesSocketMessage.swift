import NIOCore
import SluiceCore
import WSCore

/// A client message of the Responses API's WebSocket mode, read: a `response.create` becomes the
/// body of the `POST /v1/responses` it stands for, anything else the error the client is sent.
enum ResponsesSocketMessage: Equatable {
    /// A `response.create`: the Responses create body (the message less its envelope, streamed),
    /// and the `stream_id` lane its events echo.
    case create(body: ByteBuffer, streamID: String?)
    case refused(GatewayError, streamID: String?)

    /// Members that belong to the WebSocket envelope, not to the create body. `stream` is implicit
    /// over a WebSocket; the body always asks for a stream.
    private static let envelope: Set<String> = ["type", "stream", "stream_id"]

    static func read(_ message: WebSocketMessage) -> ResponsesSocketMessage {
        switch message {
        case .binary:
            return .refused(.invalidRequest("WebSocket messages must be JSON text frames."), streamID: nil)
        case .text(let text):
            return Self.read(Array(text.utf8))
        }
    }

    static func read(_ bytes: [UInt8]) -> ResponsesSocketMessage {
        bytes.withUnsafeBytes { bytes in
            let members: [JSONMember]
            do throws(JSONSyntaxError) {
                members = try JSONScanner.topLevelMembers(of: bytes)
            } catch {
                return .refused(.malformedJSON(error), streamID: nil)
            }
            let streamID = members.member("stream_id").flatMap { JSONValueReader.string($0, in: bytes) }
            guard let typeMember = members.member("type"), let type = JSONValueReader.string(typeMember, in: bytes) else {
                return .refused(.invalidRequest("Missing required parameter: 'type'.", param: "type"), streamID: streamID)
            }
            guard type == "response.create" else {
                return .refused(
                    GatewayError(
                        status: 400, type: "invalid_request_error", code: "unsupported_event_type", param: "type",
                        message: "Unsupported event type '\(type)': this gateway accepts 'response.create'."
                    ),
                    streamID: streamID
                )
            }
            if let background = members.member("background"), JSONValueReader.bool(background, in: bytes) == true {
                return .refused(.invalidRequest("'background' is not supported in WebSocket mode.", param: "background"), streamID: streamID)
            }
            var body: [UInt8] = [UInt8(ascii: "{")]
            body.reserveCapacity(bytes.count + 16)
            for member in members where !Self.envelope.contains(member.key) {
                JSONString.appendQuoted(member.key, to: &body)
                body.append(UInt8(ascii: ":"))
                body.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[member.value]))
                body.append(UInt8(ascii: ","))
            }
            body.append(contentsOf: #""stream":true}"#.utf8)
            return .create(body: ByteBuffer(bytes: body), streamID: streamID)
        }
    }
}
