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

    let adminKey: KeyDigest?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let adminKey, let header = request.headers[.authorization], Self.presents(anyOf: [adminKey], in: header) else {
            var refusal = GatewayError.adminKeyRequired.response()
            refusal.headers[.wwwAuthenticate] = Self.challenge
            return refusal
        }
        return try await next(request, context)
    }

    /// Whether `header` carries one of `keys`, as a bearer token or a Basic password.
    static func presents(anyOf keys: [KeyDigest], in header: String) -> Bool {
        let presented: [UInt8]
        if let token = BearerToken.parse(header) {
            presented = Array(token)
        } else if let password = BasicAuthPassword.parse(header) {
            presented = password
        } else {
            return false
        }
        return KeyDigest(presented).isAny(of: keys)
    }
}
