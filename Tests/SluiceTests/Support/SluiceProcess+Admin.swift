import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

extension SluiceProcess {
    /// Creates something through the admin API (`POST /admin/<path>`), expects 201, and returns
    /// the answer's JSON object.
    func create(_ path: String, _ body: String, adminKey: String) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: self.baseURL + "/admin/" + path)
        request.method = .POST
        request.headers.add(name: "authorization", value: "Bearer \(adminKey)")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        #expect(response.status == .created, "\(text)")
        return try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
    }
}
