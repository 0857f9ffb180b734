import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import SluiceCore
import Synchronization

/// The handshake of the Responses API's WebSocket mode (`GET /v1/responses` with
/// `Upgrade: websocket`). The handshake goes through the gateway's router as the request it is,
/// so the route's middleware (request id, the client key check) decides it; the route accepts only
/// when this type asks, and a refused handshake is then answered by the router over plain HTTP
/// (a 401 in OpenAI's shape for a missing key), without an upgrade, and the connection closes.
struct ResponsesSocketUpgrade: Sendable {
    typealias Respond = @Sendable (Request, SluiceRequestContext) async throws -> Response

    static let path = "/v1/responses"

    /// The gateway's router: it serves the handshake, and each turn as `POST /v1/responses`.
    let respond: Respond
    /// The largest client message: the gateway's request body limit.
    let maxMessageBytes: Int

    /// What becomes of a handshake.
    enum Decision: Sendable {
        /// Upgraded: the headers of the `101` answer, and the connection's session.
        case upgrade(HTTPFields, ResponsesSocketSession)
        /// Refused with the router's answer (a 401 for a missing key), sent over HTTP.
        case refuse(Response)
    }

    /// Runs the handshake `head` through the router.
    func decide(_ head: HTTPRequestHead, channel: any Channel, logger: Logger) async -> Decision {
        guard let handshake = try? HTTPRequest(head, secure: false, splitCookie: false) else {
            return .refuse(GatewayError.malformedBody.response())
        }
        let context = SluiceRequestContext(source: .init(channel: channel, logger: logger))
        let slot = Slot()
        let response: Response
        do {
            response = try await Slot.$current.withValue(slot) {
                try await self.respond(Request(head: handshake, body: RequestBody(buffer: ByteBuffer())), context)
            }
        } catch {
            return .refuse(RequestEnvelopeMiddleware.gatewayError(for: error, request: Request(head: handshake, body: RequestBody(buffer: ByteBuffer())), logger: logger).response())
        }
        guard slot.accepted else { return .refuse(response) }
        var headers = HTTPFields()
        if let requestID = response.headers[RequestEnvelopeMiddleware.requestIDHeader] { headers[RequestEnvelopeMiddleware.requestIDHeader] = requestID }
        return .upgrade(headers, ResponsesSocketSession(upgrade: self, handshake: handshake))
    }

    /// Sends a refused handshake its answer with `Connection: close` and ends the connection:
    /// NIO upgrades only a connection's first request, so one that was refused serves no other.
    static func refuse(_ response: Response, on http: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, logger: Logger) async {
        let body = CollectedBody()
        do {
            try await response.body.write(body)
            var head = HTTPResponse(status: response.status, headerFields: response.headers)
            head.headerFields[.connection] = "close"
            head.headerFields[.contentLength] = String(body.bytes.readableBytes)
            let bytes = body.bytes
            try await http.executeThenClose { _, outbound in
                try await outbound.write(contentsOf: [.head(head), .body(bytes), .end(nil)])
            }
        } catch {
            logger.debug("could not answer a refused WebSocket handshake", metadata: ["error": "\(error)"])
        }
    }

    /// A small answer's body, held whole.
    private final class CollectedBody: ResponseBodyWriter {
        var bytes = ByteBuffer()

        func write(_ buffer: ByteBuffer) async throws {
            var buffer = buffer
            self.bytes.writeBuffer(&buffer)
        }

        func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }

    /// The `GET /v1/responses` route, behind the inference routes' middleware: accepts the
    /// handshake ``decide(_:channel:logger:)`` runs, and refuses a plain GET.
    static func route(_ request: Request, context: SluiceRequestContext) throws -> Response {
        if let slot = Slot.current {
            slot.accept()
            return Response(status: .ok)
        }
        guard request.headers[.upgrade]?.lowercased() == "websocket" else {
            var error = GatewayError(
                status: 426, type: "invalid_request_error", code: "websocket_upgrade_required",
                message: "GET /v1/responses is the Responses API's WebSocket mode: open it with a WebSocket handshake, or POST /v1/responses."
            )
            error.headers["upgrade"] = "websocket"
            throw error
        }
        // NIO upgrades only a connection's first request.
        var error = GatewayError.invalidRequest("A WebSocket handshake must be a connection's first request.")
        error.headers["connection"] = "close"
        throw error
    }

    /// Where the route, once the middleware has let the handshake through, marks it accepted
    /// for ``decide(_:channel:logger:)``.
    final class Slot: Sendable {
        @TaskLocal static var current: Slot?
        private let wasAccepted = Mutex(false)

        var accepted: Bool { self.wasAccepted.withLock { $0 } }

        func accept() {
            self.wasAccepted.withLock { $0 = true }
        }
    }
}
