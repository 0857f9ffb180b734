import Hummingbird
import SluiceConfig
import SluiceCore

/// Admits requests that carry one of the configured client keys as `Authorization: Bearer …`.
///
/// Keys are compared in constant time, over every configured key, so timing reveals nothing.
struct ClientAuthMiddleware: RouterMiddleware {
    typealias Context = SluiceRequestContext

    let keys: [[UInt8]]

    init(keys: [Secret]) {
        self.keys = keys.map { Array($0.value.utf8) }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { throw GatewayError.missingAPIKey }
        guard header.utf8.count > 7, header.lowercased().hasPrefix("bearer ") else { throw GatewayError.invalidAPIKey }
        let presented = Array(header.utf8.dropFirst(7))
        var matched = false
        for key in self.keys where Self.constantTimeEquals(key, presented) {
            matched = true
        }
        guard matched else { throw GatewayError.invalidAPIKey }
        return try await next(request, context)
    }

    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}
