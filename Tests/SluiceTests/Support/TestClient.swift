import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// An HTTP client for tests, speaking to the gateway like an SDK would.
struct TestClient: Sendable {
    let baseURL: String
    /// The process-wide client by default, which needs no shutdown, so a failing test cannot leak
    /// one; TLS tests give their own (trusting the test CA, with a client certificate).
    var http = HTTPClient.shared

    struct Reply: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: String

        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(self.body.utf8))) as? [String: Any] ?? [:]
        }

        var error: [String: Any] { self.json["error"] as? [String: Any] ?? [:] }

        /// The `data:` payloads of an SSE body, in order.
        var events: [String] {
            self.body.components(separatedBy: "\n\n").compactMap { event in
                event.hasPrefix("data: ") ? String(event.dropFirst(6)) : nil
            }
        }

        var eventObjects: [[String: Any]] {
            self.events.filter { $0 != "[DONE]" }.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
        }
    }

    func request(
        _ method: HTTPMethod = .POST, _ path: String, body: String? = nil, key: String? = "sk-test", headers: [String: String] = [:]
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: self.baseURL + path)
        request.method = method
        if let key { request.headers.add(name: "authorization", value: "Bearer \(key)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await self.http.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
    }

    func chat(model: String, stream: Bool = false, extra: String = "", key: String? = "sk-test", headers: [String: String] = [:]) async throws -> Reply {
        let body = #"{"model":"\#(model)","messages":[{"role":"user","content":"Say hello"}],"stream":\#(stream)\#(extra)}"#
        return try await self.request(.POST, "/v1/chat/completions", body: body, key: key, headers: headers)
    }
}
