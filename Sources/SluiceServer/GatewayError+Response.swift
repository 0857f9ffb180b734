import HTTPTypes
import Hummingbird
import NIOCore
import SluiceCore

extension GatewayError {
    /// The error as an HTTP response in the OpenAI error shape.
    func response() -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        self.addHeaders(to: &headers)
        return Response(
            status: HTTPResponse.Status(code: self.status),
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(string: self.jsonBody))
        )
    }

    /// `Retry-After` and the error's further headers, in either client dialect.
    func addHeaders(to headers: inout HTTPFields) {
        if let retryAfter = self.retryAfter { headers[.retryAfter] = retryAfter }
        for (name, value) in self.headers {
            if let name = HTTPField.Name(name) { headers[name] = value }
        }
    }
}
