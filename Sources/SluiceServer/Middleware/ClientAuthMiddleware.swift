import HTTPTypes
import Hummingbird
import SluiceConfig
import SluiceCore

/// Admits requests that carry a client key as `Authorization: Bearer …` (or Anthropic's
/// `x-api-key`): one of the config's
/// static keys, or a virtual key from the governance store. Applies the per-IP and per-key
/// request limits, and tells the rest of the request who the caller is.
///
/// Static keys are compared in constant time, over every configured key, so timing reveals
/// nothing; a virtual key is found by its SHA-256 hash.
struct ClientAuthMiddleware {
    typealias Context = SluiceRequestContext

    /// Where Anthropic's SDKs send the key.
    static let anthropicKeyHeader = HTTPField.Name("x-api-key")!

    let keys: [KeyDigest]
    let directory: KeyDirectory?
    let limits: RequestLimits

    init(keys: [Secret], directory: KeyDirectory?, limits: RequestLimits) {
        self.keys = keys.map { KeyDigest($0.value.utf8) }
        self.directory = directory
        self.limits = limits
    }

    /// - Parameter admittingRequest: whether to apply the key's requests per minute here; inference
    ///   routes apply it themselves, so that a refusal gets its ledger row, span and audit line.
    func handle(
        _ request: Request, context: Context, admittingRequest: Bool, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        try await self.limits.admitAddress(context.remoteAddress)
        let presented: Substring.UTF8View
        if let header = request.headers[.authorization] {
            guard let token = BearerToken.parse(header) else { throw GatewayError.invalidAPIKey }
            presented = token
        } else if let key = request.headers[Self.anthropicKeyHeader] {
            presented = Substring(key).utf8
        } else {
            throw GatewayError.missingAPIKey
        }
        var context = context
        if !KeyDigest(presented).isAny(of: self.keys) {
            guard let directory = self.directory else { throw GatewayError.invalidAPIKey }
            context.caller = try await directory.caller(presenting: presented)
        }
        let requests = admittingRequest ? try await self.limits.admitRequest(of: context.caller) : nil
        var response = try await next(request, context)
        if let requests { RateLimitHeaders.add(requests, kind: "requests", to: &response.headers) }
        return response
    }
}

/// ``ClientAuthMiddleware`` with the keys and limits of the runtime active when a request arrives.
struct ActiveClientAuthMiddleware: RouterMiddleware {
    typealias Context = SluiceRequestContext

    let active: ActiveRuntime
    /// False on inference routes, which apply the key's requests per minute themselves.
    var admitsRequests = true

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await self.active.current.auth.handle(request, context: context, admittingRequest: self.admitsRequests, next: next)
    }
}
