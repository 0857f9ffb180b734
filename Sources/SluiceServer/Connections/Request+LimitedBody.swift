import HTTPTypes
import Hummingbird
import NIOCore
import SluiceCore

extension Request {
    /// The whole body, refused with 413 past `limit` bytes (at once when `Content-Length` says
    /// so) and with 501 when it comes in a transfer coding other than `chunked`, which the HTTP
    /// parser would otherwise take as plain chunked. Either refusal ends the connection
    /// (``ConnectionGuardHandler``) instead of reading the rest of the body.
    mutating func collectBody(limit: Int) async throws -> ByteBuffer {
        if let coding = self.headers[values: .transferEncoding].lazy.flatMap({ $0.split(separator: ",") })
            .map({ String($0.filter { $0 != " " && $0 != "\t" }).lowercased() }).first(where: { !$0.isEmpty && $0 != "chunked" })
        {
            throw GatewayError.unsupportedTransferCoding(coding)
        }
        if let length = self.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw GatewayError.bodyTooLarge(limit: limit)
        }
        do {
            return try await self.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw GatewayError.bodyTooLarge(limit: limit)
        }
    }
}

extension GatewayError {
    static func unsupportedTransferCoding(_ coding: String) -> GatewayError {
        let shown = coding.utf8.count <= 32 && coding.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) ? "'\(coding)'" : "a transfer coding"
        return GatewayError(
            status: 501, type: "invalid_request_error", code: "unsupported_transfer_coding",
            message: "The request body is sent in \(shown) that the gateway does not implement; only chunked is."
        )
    }

    /// The body's HTTP framing is broken (a chunk size that is not hex, or too large).
    static let malformedBody = GatewayError(
        status: 400, type: "invalid_request_error", code: "malformed_body", message: "The request body's HTTP framing is malformed."
    )
}
