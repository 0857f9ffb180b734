import HTTPTypes
import Hummingbird
import SluiceConfig
import SluiceCore

/// Guards `/metrics` and `/ready`, which show tenant ids, spend per tenant and upstream model
/// names, as `auth.status_access` of the active config says: open, or only for requests that
/// present the metrics key or the admin key (bearer token or Basic password, as on the admin API).
struct StatusAccessMiddleware: RouterMiddleware {
    typealias Context = SluiceRequestContext

    static let challenge = #"Basic realm="sluice status""#

    let active: ActiveRuntime

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let config = self.active.current.config
        guard case .key(let metricsKey) = config.statusAccess else { return try await next(request, context) }
        let keys = [metricsKey, config.governance.adminKey].compactMap { $0.map { KeyDigest($0.value.utf8) } }
        guard let header = request.headers[.authorization], AdminAuthMiddleware.presents(anyOf: keys, in: header) else {
            var refusal = GatewayError.statusKeyRequired.response()
            refusal.headers[.wwwAuthenticate] = Self.challenge
            return refusal
        }
        return try await next(request, context)
    }
}

extension GatewayError {
    static let statusKeyRequired = GatewayError(
        status: 401, type: "invalid_request_error", code: "status_key_required",
        message: "This endpoint requires the metrics key or the admin key, as a bearer token or the password of HTTP Basic auth."
    )
}
