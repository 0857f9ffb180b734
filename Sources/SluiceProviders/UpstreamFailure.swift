import AsyncHTTPClient
import NIOCore
import SluiceCore

/// Maps what an upstream answered or how its connection failed to the error the client sees.
public enum UpstreamFailure {
    /// An error status with its body: 4xx passes through with the upstream's message, 5xx becomes 502.
    public static func error(status: Int, body: ByteBuffer?, retryAfter: String?) -> GatewayError {
        let detail = body.flatMap(Self.errorDetail)
        guard status < 500 else {
            return .upstreamFailed("it answered HTTP \(status)")
        }
        return .upstreamRejected(
            status: status, message: detail?.message ?? "The upstream rejected the request (HTTP \(status)).",
            type: detail?.type, code: detail?.code, param: detail?.param, retryAfter: retryAfter
        )
    }

    /// A transport failure from the HTTP client.
    public static func error(transport error: any Error) -> any Error {
        if error is CancellationError { return error }
        if error is GatewayError { return error }
        guard let clientError = error as? HTTPClientError else {
            return GatewayError.upstreamFailed("cannot reach it (\(Self.describe(error)))")
        }
        switch clientError {
        case .cancelled: return CancellationError()
        case .connectTimeout, .tlsHandshakeTimeout, .getConnectionFromPoolTimeout: return GatewayError.timeout(.connect)
        case .deadlineExceeded: return GatewayError.timeout(.request)
        case .readTimeout: return GatewayError.timeout(.betweenTokens)
        case .remoteConnectionClosed: return GatewayError.upstreamFailed("it closed the connection")
        default: return GatewayError.upstreamFailed("HTTP client error: \(clientError)")
        }
    }

    /// A failure while reading a streamed body: timeouts stay timeouts, anything else is a cut stream.
    public static func error(midStream error: any Error) -> any Error {
        let mapped = Self.error(transport: error)
        guard let gatewayError = mapped as? GatewayError, gatewayError.type == "upstream_error" else { return mapped }
        return GatewayError.upstreamStreamCut("the upstream connection broke mid-stream")
    }

    private static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("refused") { return "connection refused" }
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }

    struct Detail {
        var message: String?
        var type: String?
        var code: String?
        var param: String?
    }

    /// Reads `{"error":{"message",…}}` (OpenAI) or `{"message",…}` (vLLM and others).
    static func errorDetail(_ body: ByteBuffer) -> Detail? {
        body.withUnsafeReadableBytes { bytes -> Detail? in
            guard let members = try? JSONScanner.topLevelMembers(of: bytes) else { return nil }
            var fields = members
            if let nested = members.member("error") {
                if nested.kind == .string {
                    return Detail(message: JSONValueReader.string(nested, in: bytes))
                }
                guard nested.kind == .object else { return nil }
                fields = JSONScanner.members(of: bytes, objectAt: nested.value)
            }
            func text(_ key: String) -> String? {
                guard let member = fields.member(key) else { return nil }
                if member.kind == .number { return JSONValueReader.integer(member, in: bytes).map(String.init) }
                return JSONValueReader.string(member, in: bytes)
            }
            guard let message = text("message") else { return nil }
            return Detail(message: message, type: text("type"), code: text("code"), param: text("param"))
        }
    }
}
