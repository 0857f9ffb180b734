import NIOCore
import SluiceCore

extension InferenceRequest {
    /// Reads `body` as a request for `endpoint`.
    /// - Throws: ``GatewayError`` when it is not a valid one.
    init(endpoint: Endpoint, body: ByteBuffer) throws(GatewayError) {
        let result = body.withUnsafeReadableBytes { bytes in
            Result { () throws(GatewayError) in try InferenceRequest(endpoint: endpoint, bytes: bytes) }
        }
        self = try result.get()
    }
}
