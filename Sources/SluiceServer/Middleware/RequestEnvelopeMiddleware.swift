import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import SluiceCore

/// The outermost layer: gives every request an id (the client's `X-Request-Id` when it is sane),
/// puts it on every log line of the request and on the response, and renders every error in the
/// OpenAI error shape.
struct RequestEnvelopeMiddleware: RouterMiddleware {
    typealias Context = SluiceRequestContext

    static let requestIDHeader = HTTPField.Name("x-request-id")!
    let requestIDs = RequestIDGenerator()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let generated = self.requestIDs.next()
        let requestID = request.headers[Self.requestIDHeader].flatMap(Self.acceptable) ?? generated
        context.requestID = requestID
        // A client may reuse its ids; the ledger's must be unique.
        context.ledgerID = requestID == generated ? generated : "\(requestID)/\(generated)"
        context.logger[metadataKey: "hb.request.id"] = nil
        context.logger[metadataKey: "request_id"] = .string(requestID)
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let gatewayError = Self.gatewayError(for: error, request: request, logger: context.logger)
            response = gatewayError.response()
        }
        response.headers[Self.requestIDHeader] = requestID
        return response
    }

    /// A client id is kept when it is short and printable, so it cannot break logs or headers.
    static func acceptable(_ value: String) -> String? {
        guard (1...128).contains(value.utf8.count),
            value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") })
        else { return nil }
        return value
    }

    static func gatewayError(for error: any Error, request: Request, logger: Logger) -> GatewayError {
        switch error {
        case let error as GatewayError:
            return error
        case let error as HTTPError where error.status == .notFound:
            return .routeNotFound(method: request.method.rawValue, path: request.uri.path)
        case let error as HTTPError where error.status == .methodNotAllowed:
            return GatewayError(status: 405, type: "invalid_request_error", code: "method_not_allowed", message: "Method \(request.method.rawValue) is not allowed on \(request.uri.path).")
        case let error as HTTPError where error.status.code < 500:
            return GatewayError(status: error.status.code, type: "invalid_request_error", message: error.body ?? error.status.reasonPhrase)
        case let error as HTTPParserError:
            // The client's framing, not the gateway, is at fault; the connection ends after the answer.
            logger.debug("malformed request framing", metadata: ["error": "\(error)"])
            return .malformedBody
        case let error as NIOTooManyBytesError:
            return .bodyTooLarge(limit: error.maxBytes ?? 0)
        case is CancellationError:
            // The client went away before the answer; nobody reads this one, and nothing failed.
            logger.debug("request cancelled: the client went away")
            return .clientClosed
        default:
            logger.error("request failed unexpectedly", metadata: ["error": "\(String(reflecting: error))"])
            return .internalError
        }
    }
}
