/// An HTTP/1.1 request as bytes, for a ``RawConnection`` to send.
enum RawHTTPRequest {
    /// A `POST` with a JSON body and its `Content-Length`.
    static func post(_ path: String, body: String, headers: [(String, String)]) -> String {
        var head = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        return head + "\r\n" + body
    }
}
