/// An error the gateway answers a client with, in the OpenAI error shape
/// `{"error":{"message","type","param","code"}}`.
///
/// Messages never contain API keys or upstream secrets; upstream messages are passed through
/// only for upstream client errors, where they describe the client's own request.
public struct GatewayError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var type: String
    public var code: String?
    public var param: String?
    public var message: String
    /// Seconds (or an HTTP date) to send back as `Retry-After`.
    public var retryAfter: String?
    /// Further headers for the error response, by lowercase name: a rate limit's `x-ratelimit-*`.
    public var headers: [String: String] = [:]

    public init(status: Int, type: String, code: String? = nil, param: String? = nil, message: String, retryAfter: String? = nil) {
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.message = message
        self.retryAfter = retryAfter
    }

    public var description: String { "\(self.status) \(self.type): \(self.message)" }

    /// Whether another deployment might answer: rate limits, upstream failures and timeouts.
    public var isRetryable: Bool { self.status == 429 || self.status == 502 || self.status == 503 || self.status == 504 }

    /// Whether the prompt did not fit the model's context window (OpenAI's code, or vLLM's message).
    public var isContextWindowExceeded: Bool {
        self.code == "context_length_exceeded" || (self.status == 400 && self.message.contains("maximum context length"))
    }

    /// The JSON error body.
    public var jsonBody: String {
        var body = #"{"error":{"message":"# + JSONString.quoted(self.message)
        body += #","type":"# + JSONString.quoted(self.type)
        body += #","param":"# + (self.param.map(JSONString.quoted) ?? "null")
        body += #","code":"# + (self.code.map(JSONString.quoted) ?? "null")
        body += "}}"
        return body
    }

    /// The error as a server-sent event, which the OpenAI SDKs raise when they read it mid-stream.
    public var streamEvent: String { "data: \(self.jsonBody)\n\n" }
}

// MARK: - The errors the gateway raises

extension GatewayError {
    public static func malformedJSON(_ error: JSONSyntaxError) -> GatewayError {
        GatewayError(status: 400, type: "invalid_request_error", code: "invalid_json", message: "The request body is not valid JSON: \(error)")
    }

    public static func invalidRequest(_ message: String, param: String? = nil) -> GatewayError {
        GatewayError(status: 400, type: "invalid_request_error", param: param, message: message)
    }

    /// An integer member outside the range the gateway accepts, in OpenAI's words.
    public static func integerOutOfRange(_ param: String, literal: String, bound: Int, above: Bool) -> GatewayError {
        GatewayError(
            status: 400, type: "invalid_request_error", code: above ? "integer_above_max_value" : "integer_below_min_value", param: param,
            message: "Invalid '\(param)': integer \(above ? "above maximum" : "below minimum") value. "
                + "Expected a value \(above ? "<=" : ">=") \(bound), but got \(literal) instead."
        )
    }

    public static let missingAPIKey = GatewayError(
        status: 401, type: "invalid_request_error", code: "missing_api_key",
        message: "You didn't provide an API key. Send it in the Authorization header as 'Bearer YOUR_KEY'."
    )

    public static let invalidAPIKey = GatewayError(
        status: 401, type: "invalid_request_error", code: "invalid_api_key", message: "Incorrect API key provided."
    )

    public static let revokedAPIKey = GatewayError(
        status: 401, type: "invalid_request_error", code: "revoked_api_key", message: "This API key has been revoked."
    )

    public static let expiredAPIKey = GatewayError(
        status: 401, type: "invalid_request_error", code: "expired_api_key", message: "This API key has expired."
    )

    public static func modelNotAllowed(_ name: String) -> GatewayError {
        GatewayError(
            status: 403, type: "permission_error", code: "model_not_allowed", param: "model",
            message: "This API key may not use the model `\(name)`."
        )
    }

    public static let adminKeyRequired = GatewayError(
        status: 401, type: "invalid_request_error", code: "invalid_admin_key", message: "This endpoint needs the admin key as 'Authorization: Bearer ADMIN_KEY'."
    )

    /// The admin API requires a verified client certificate (`auth.admin_client_certificate`) and the connection has none.
    public static let adminClientCertificateRequired = GatewayError(
        status: 401, type: "invalid_request_error", code: "client_certificate_required",
        message: "This endpoint needs a client certificate signed by the gateway's client CA, presented over TLS."
    )

    /// The connection's client certificate is verified, but its subject is not among those the admin API admits.
    public static let adminClientCertificateRefused = GatewayError(
        status: 403, type: "invalid_request_error", code: "client_certificate_not_admitted",
        message: "This endpoint does not admit the client certificate presented."
    )

    /// A rate limit of the gateway's own (per key, per IP, or every deployment of the model).
    public static func rateLimited(_ what: String, retryAfterSeconds: Int) -> GatewayError {
        GatewayError(
            status: 429, type: "rate_limit_error", code: "rate_limit_exceeded",
            message: "Rate limit reached for \(what). Retry after \(retryAfterSeconds) s.", retryAfter: String(max(1, retryAfterSeconds))
        )
    }

    /// A budget would be exceeded by this request's worst-case cost.
    public static func budgetExceeded(_ budget: String, resets: String?, retryAfterSeconds: Int?) -> GatewayError {
        GatewayError(
            status: 429, type: "insufficient_quota", code: "budget_exceeded",
            message: "Budget exceeded: \(budget).\(resets.map { " It resets at \($0)." } ?? " It does not reset.")",
            retryAfter: retryAfterSeconds.map { String(max(1, $0)) }
        )
    }

    /// The code of ``outputCapReached(_:)``.
    public static let outputCapCode = "output_limit_exceeded"

    /// A stream went past the output its budget reservation covers, and was cut.
    public static func outputCapReached(_ tokens: Int) -> GatewayError {
        GatewayError(
            status: 429, type: "insufficient_quota", code: outputCapCode,
            message: "The answer went past the \(tokens) output tokens its budget reservation covers, so the gateway ended it."
        )
    }

    public static let cannotCountTokens = GatewayError(
        status: 400, type: "invalid_request_error", code: "unsupported_endpoint",
        message: "This model's backends cannot count tokens; /v1/messages/count_tokens needs an Anthropic deployment."
    )

    public static func notFound(_ what: String) -> GatewayError {
        GatewayError(status: 404, type: "invalid_request_error", code: "not_found", message: "\(what) does not exist.")
    }

    public static func conflict(_ what: String) -> GatewayError {
        GatewayError(status: 409, type: "invalid_request_error", code: "conflict", message: "\(what) already exists.")
    }

    public static let storeUnavailable = GatewayError(
        status: 503, type: "server_error", code: "store_unavailable", message: "The gateway's governance store is unavailable; retry shortly."
    )

    public static func unknownModel(_ name: String) -> GatewayError {
        GatewayError(
            status: 404, type: "invalid_request_error", code: "model_not_found", param: "model",
            message: "The model `\(name)` does not exist or you do not have access to it."
        )
    }

    public static func bodyTooLarge(limit: Int) -> GatewayError {
        GatewayError(status: 413, type: "invalid_request_error", code: "request_too_large", message: "The request body exceeds the limit of \(limit) bytes.")
    }

    public static func routeNotFound(method: String, path: String) -> GatewayError {
        GatewayError(status: 404, type: "invalid_request_error", code: "unknown_url", message: "Unknown request URL: \(method) \(path).")
    }

    /// An upstream 4xx, passed through with the upstream's own message.
    public static func upstreamRejected(status: Int, message: String, type: String?, code: String?, param: String?, retryAfter: String?) -> GatewayError {
        GatewayError(
            status: status, type: type ?? (status == 429 ? "rate_limit_error" : "invalid_request_error"),
            code: code, param: param, message: message, retryAfter: retryAfter
        )
    }

    /// An upstream 5xx or an answer the gateway could not use.
    public static func upstreamFailed(_ detail: String) -> GatewayError {
        GatewayError(status: 502, type: "upstream_error", code: "bad_gateway", message: "The upstream model server failed: \(detail)")
    }

    /// The stream ended before the upstream finished it.
    public static func upstreamStreamCut(_ detail: String) -> GatewayError {
        GatewayError(status: 502, type: "upstream_error", code: "stream_interrupted", message: "The upstream stream ended early: \(detail)")
    }

    public static func timeout(_ stage: TimeoutStage) -> GatewayError {
        GatewayError(status: 504, type: "timeout_error", code: "upstream_timeout", message: "The upstream model server did not answer in time (\(stage.rawValue) timeout).")
    }

    /// Every deployment of the model (and its fallbacks) has an open circuit breaker.
    public static func noDeploymentAvailable(model: String, retryAfterSeconds: Int?) -> GatewayError {
        GatewayError(
            status: 503, type: "server_error", code: "no_healthy_deployment",
            message: "No deployment of `\(model)` is available right now; its backends are failing.",
            retryAfter: retryAfterSeconds.map { String(max(1, $0)) }
        )
    }

    public static let shuttingDown = GatewayError(
        status: 503, type: "server_error", code: "shutting_down", message: "The gateway is shutting down; retry on another instance."
    )

    /// The client closed its connection before the answer (nginx's 499).
    public static let clientClosed = GatewayError(status: 499, type: "invalid_request_error", code: "client_closed", message: "The client closed the connection.")

    public static let internalError = GatewayError(status: 500, type: "server_error", code: "internal_error", message: "The gateway failed to handle the request.")
}

/// Which of the configured timeouts expired.
public enum TimeoutStage: String, Sendable {
    case connect = "connect"
    case firstToken = "first token"
    case betweenTokens = "between tokens"
    case request = "request"
}
