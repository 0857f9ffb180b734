import Hummingbird
import SluiceConfig
import SluiceCore

/// Admits only requests that carry the configured admin key; without one the admin API is closed.
struct AdminAuthMiddleware: RouterMiddleware {
    typealias Context = SluiceRequestContext

    let adminKey: [UInt8]?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let adminKey, let header = request.headers[.authorization], let token = BearerToken.parse(header),
            ClientAuthMiddleware.constantTimeEquals(adminKey, token)
        else { throw GatewayError.adminKeyRequired }
        return try await next(request, context)
    }
}
