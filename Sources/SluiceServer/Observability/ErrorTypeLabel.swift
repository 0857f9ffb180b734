/// The `error_type` / `reason` label value of a failed request or attempt, from a fixed set so
/// that an upstream cannot create label values: the gateway's own error codes and the common
/// OpenAI ones pass through; a missing code becomes `http_<status>`; any other code `other`.
enum ErrorTypeLabel {
    static let knownCodes: Set<String> = [
        // The gateway's own (GatewayError).
        "invalid_json", "missing_api_key", "invalid_api_key", "revoked_api_key", "expired_api_key", "model_not_allowed",
        "rate_limit_exceeded", "budget_exceeded", "unsupported_endpoint", "not_found", "store_unavailable", "model_not_found",
        "request_too_large", "bad_gateway", "stream_interrupted", "upstream_timeout", "no_healthy_deployment", "shutting_down",
        "internal_error", "client_closed",
        // The Responses API's.
        "previous_response_not_found", "conversation_too_long", "conversation_too_large", "response_not_stored",
        // Upstream codes the translation layer maps to, and OpenAI's common ones.
        "overloaded_error", "content_filter", "context_length_exceeded", "insufficient_quota",
    ]

    static func value(code: String?, status: Int) -> String {
        guard let code else { return "http_\(status)" }
        return Self.knownCodes.contains(code) ? code : "other"
    }
}
