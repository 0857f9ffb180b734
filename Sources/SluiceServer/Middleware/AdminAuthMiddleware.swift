import HTTPTypes
import Hummingbird
import SluiceConfig
import SluiceCore

/// Admits only requests that carry the configured admin key; without one the admin API is closed.
///
/// The key comes as a bearer token (API clients) or as the password of HTTP Basic auth, any user
/// name (a browser on the dashboard: it cannot add a bearer header to a page it navigates to). A
/// refusal asks for Basic credentials, so a browser prompts for them.
struct AdminAuthMiddleware: RouterMiddleware {
    typealias Context = SluiceRequestContext

    static let challenge = #"Basic realm="sluice admin""#

    let adminKey: [UInt8]?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let adminKey, let header = request.headers[.authorization], Self.presents(adminKey, in: header) else {
            var refusal = GatewayError.adminKeyRequired.response()
            refusal.headers[.wwwAuthenticate] = Self.challenge
            return refusal
        }
        return try await next(request, context)
    }

    private static func presents(_ adminKey: [UInt8], in header: String) -> Bool {
        if let token = BearerToken.parse(header) { return ClientAuthMiddleware.constantTimeEquals(adminKey, token) }
        if let password = BasicAuthPassword.parse(header) { return ClientAuthMiddleware.constantTimeEquals(adminKey, password) }
        return false
    }
}
