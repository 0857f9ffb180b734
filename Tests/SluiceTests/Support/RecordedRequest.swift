import Foundation
import HTTPTypes

/// A request as an upstream stub received it, byte for byte.
struct RecordedRequest: Sendable {
    var method: HTTPRequest.Method
    var path: String
    var query: String
    /// The `Host` header, which HTTP/1 requests carry as the `:authority` pseudo-header here.
    var authority: String?
    var headers: HTTPFields
    var body: [UInt8]
    var receivedAt: ContinuousClock.Instant

    /// The first value of the header `name` (any case).
    func header(_ name: String) -> String? {
        let lowercased = name.lowercased()
        return self.headers.first { $0.name.canonicalName == lowercased }?.value
    }

    var text: String { String(decoding: self.body, as: UTF8.self) }

    /// The body as a JSON object; empty when it is not one.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(self.body))) as? [String: Any] ?? [:]
    }
}
