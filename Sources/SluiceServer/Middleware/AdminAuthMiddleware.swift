import HTTPTypes
import Hummingbird
import NIOSSL
import SluiceConfig
import SluiceCore

/// Admits only requests that carry the configured admin key and, when the config asks for one
/// (`auth.admin_client_certificate`), come over a connection with a verified client certificate;
/// with neither configured the admin API is closed.
///
/// The key comes as a bearer token (API clients) or as the password of HTTP Basic auth, any user
/// name (a browser on the dashboard: it cannot add a bearer header to a page it navigates to). A
/// refusal asks for Basic credentials, so a browser prompts for them.
///
/// The TLS layer asks every client for a certificate but requires none (inference clients have
/// none), and refuses a handshake with one the client CA does not verify; so a certificate the
/// connection has is a verified one, and this middleware only needs to see that there is one,
/// and that its subject is admitted. The requirement is read per request, so a reload changes it.
struct AdminAuthMiddleware: RouterMiddleware {
    typealias Context = SluiceRequestContext

    static let challenge = #"Basic realm="sluice admin""#

    let adminKey: KeyDigest?
    let active: ActiveRuntime

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let certificateRequirement = self.active.current.config.adminClientCertificate
        if let certificateRequirement {
            if let refusal = await Self.refusal(of: context, by: certificateRequirement) { return refusal.response() }
        }
        guard let adminKey else {
            // Without a key the client certificate is the only credential; without either the API is closed.
            if certificateRequirement != nil { return try await next(request, context) }
            return Self.keyRefusal()
        }
        guard let header = request.headers[.authorization], Self.presents(anyOf: [adminKey], in: header) else {
            return Self.keyRefusal()
        }
        return try await next(request, context)
    }

    private static func keyRefusal() -> Response {
        var refusal = GatewayError.adminKeyRequired.response()
        refusal.headers[.wwwAuthenticate] = Self.challenge
        return refusal
    }

    /// Why the connection's client certificate does not meet `requirement`; nil when it does.
    static func refusal(of context: Context, by requirement: AdminClientCertificate) async -> GatewayError? {
        guard let certificate = try? await context.connection.nioSSL_peerCertificate().get() else {
            return .adminClientCertificateRequired
        }
        guard !requirement.commonNames.isEmpty else { return nil }
        let names = certificate.subjectName.filter { $0.type == .commonName }.map(\.value)
        return names.contains(where: requirement.commonNames.contains) ? nil : .adminClientCertificateRefused
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
