import Hummingbird
import SluiceConfig
import SluiceCore

/// Admits only requests that carry the configured admin key; without one the admin API is closed.
struct AdminAuthMiddleware: RouterMiddleware {
    typealias Context = SluiceRequestContext

    let adminKey: [UInt8]?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let adminKey, let header = request.headers[.authorization], header.utf8.count > 7,
            header.utf8.prefix(7).lazy.map({ $0 | 0x20 }).elementsEqual("bearer ".utf8),
            ClientAuthMiddleware.constantTimeEquals(adminKey, header.utf8.dropFirst(7))
        else { throw GatewayError.adminKeyRequired }
        return try await next(request, context)
    }
}
