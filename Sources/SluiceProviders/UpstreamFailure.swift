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

    /// A transport failure from the upstream client.
    public static func error(transport error: any Error) -> any Error {
        guard let transportError = error as? UpstreamTransportError else { return error }
        switch transportError {
        case .connectTimeout: return GatewayError.timeout(.connect)
        case .connectFailed(let reason): return GatewayError.upstreamFailed("cannot reach it (\(Self.shortened(reason)))")
        case .closedBeforeResponse: return GatewayError.upstreamFailed("it closed the connection without answering")
        case .closedMidBody: return GatewayError.upstreamStreamCut("the upstream connection broke mid-answer")
        case .deadlineExceeded: return GatewayError.timeout(.request)
        case .shutDown: return GatewayError.shuttingDown
        }
    }

    private static func shortened(_ text: String) -> String {
        text.count > 200 ? String(text.prefix(200)) + "…" : text
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
