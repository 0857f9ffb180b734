import Hummingbird
import NIOCore
import SluiceCore

extension GatewayError {
    /// The error as an HTTP response in the OpenAI error shape.
    func response() -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfter = self.retryAfter { headers[.retryAfter] = retryAfter }
        return Response(
            status: HTTPResponse.Status(code: self.status),
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(string: self.jsonBody))
        )
    }
}
