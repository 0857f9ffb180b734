import Hummingbird
import NIOCore

/// Replies every stub writes alike: a JSON body, and a stream written in small pieces (as TCP may
/// split it) that ends as the behaviour asks.
enum StubReply {
    /// How a streamed reply ends.
    enum Ending {
        /// The body ends normally.
        case finish
        /// The connection drops mid-body.
        case cut
        /// Nothing more is sent until the gateway hangs up.
        case stall
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// - Parameters:
    ///   - pieceSize: the bytes per write; `Int.max` writes the whole body at once.
    static func stream(
        _ bytes: [UInt8], contentType: String, pieceSize: Int = .max, ending: Ending = .finish, headers: HTTPFields = [:], exchange: StubExchange
    ) -> Response {
        var fields = headers
        fields[.contentType] = contentType
        return Response(status: .ok, headers: fields, body: ResponseBody { writer in
            var index = 0
            while index < bytes.count {
                let end = index + min(pieceSize, bytes.count - index)
                try await writer.write(ByteBuffer(bytes: bytes[index..<end]))
                index = end
            }
            switch ending {
            case .finish: break
            case .cut: throw StubConnectionCut()
            case .stall: try await exchange.stallUntilHangUp()
            }
            try await writer.finish(nil)
        })
    }

    static func stream(
        _ text: String, contentType: String = "text/event-stream", pieceSize: Int = .max, ending: Ending = .finish, headers: HTTPFields = [:],
        exchange: StubExchange
    ) -> Response {
        self.stream(Array(text.utf8), contentType: contentType, pieceSize: pieceSize, ending: ending, headers: headers, exchange: exchange)
    }
}

/// Thrown from a reply's body to drop the connection without finishing it.
struct StubConnectionCut: Error {}
