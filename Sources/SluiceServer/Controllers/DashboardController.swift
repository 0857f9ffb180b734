import Foundation
import Hummingbird
import NIOCore
import SluiceCore

/// The dashboard: `GET /ui`, one self-contained page, and `GET /admin/stats`, the figures it
/// polls. Both sit behind the admin key (as a bearer token, or as the password of HTTP Basic auth
/// so that a browser can ask for it).
struct DashboardController {
    let stats: LiveStats
    /// Whose deployments to show: those of the runtime active when the figures are asked for.
    let active: ActiveRuntime

    func register(on router: Router<SluiceRequestContext>, auth: AdminAuthMiddleware) {
        router.group("admin").add(middleware: auth).get("stats", use: self.statistics)
        router.group("ui").add(middleware: auth).get(use: self.page)
    }

    /// `GET /admin/stats`: the live figures and each deployment's health. `step` (1 to 60
    /// seconds) sets the series' resolution; by default 1 s for the first two minutes, then 5 s.
    func statistics(_ request: Request, context: SluiceRequestContext) throws -> Response {
        var step: Int?
        if let text = request.uri.queryParameters.get("step") {
            guard let value = Int(text), (1...60).contains(value) else { throw GatewayError.invalidRequest("'step' must be 1 to 60 seconds", param: "step") }
            step = value
        }
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let traffic = String(decoding: try encoder.encode(self.stats.snapshot(step: step)), as: UTF8.self)
        return SystemController.json(#"{"traffic":\#(traffic),"deployments":\#(self.active.current.system.deploymentList())}"#)
    }

    /// `GET /ui`: the dashboard page.
    func page(_ request: Request, context: SluiceRequestContext) -> Response {
        Response(status: .ok, headers: Self.pageHeaders, body: ResponseBody(byteBuffer: Self.pageBytes))
    }

    private static let pageBytes = ByteBuffer(string: DashboardPage.html)

    /// The page loads nothing from elsewhere and may not be framed.
    private static let pageHeaders: HTTPFields = [
        .contentType: "text/html; charset=utf-8",
        .cacheControl: "no-store",
        .contentSecurityPolicy: "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; frame-ancestors 'none'",
        .xContentTypeOptions: "nosniff",
    ]
}
