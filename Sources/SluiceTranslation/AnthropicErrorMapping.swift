import SluiceCore

/// Errors between the OpenAI shape (``GatewayError``) and Anthropic's
/// `{"type":"error","error":{"type","message"}}`, by the status table of Anthropic's API reference.
public enum AnthropicErrorMapping {
    /// The Anthropic error type for an HTTP status.
    ///
    /// | Status | Type |
    /// |---|---|
    /// | 401 | `authentication_error` |
    /// | 403 | `permission_error` |
    /// | 404 | `not_found_error` |
    /// | 413 | `request_too_large` |
    /// | 429 | `rate_limit_error` |
    /// | 503, 529 | `overloaded_error` |
    /// | other 4xx | `invalid_request_error` |
    /// | other 5xx | `api_error` |
    public static func errorType(forStatus status: Int) -> String {
        switch status {
        case 401: "authentication_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 413: "request_too_large"
        case 429: "rate_limit_error"
        case 503, 529: "overloaded_error"
        case 400..<500: "invalid_request_error"
        default: "api_error"
        }
    }

    /// The HTTP status for an Anthropic error type; the inverse of ``errorType(forStatus:)``, with
    /// `overloaded_error` as 503 so OpenAI clients retry it.
    public static func status(forErrorType type: String) -> Int {
        switch type {
        case "invalid_request_error": 400
        case "authentication_error": 401
        case "billing_error": 402
        case "permission_error": 403
        case "not_found_error": 404
        case "request_too_large": 413
        case "rate_limit_error": 429
        case "overloaded_error": 503
        case "timeout_error": 504
        default: 502
        }
    }

    /// The error as an Anthropic error body. An error about a member of the OpenAI request the
    /// client's Anthropic one was translated into names the client's own parameter instead
    /// (`thinking`, not `reasoning_effort`; see ``OpenAIRequestTranslator/anthropicParameter(for:)``).
    public static func body(for error: GatewayError, requestID: String? = nil) -> [UInt8] {
        var message = error.message
        if let param = error.param, let clientParam = OpenAIRequestTranslator.anthropicParameter(for: param) {
            message = message.replacing("'\(param)'", with: "'\(clientParam)'")
        }
        var body: JSONValue = [
            "type": "error",
            "error": ["type": .string(Self.errorType(forStatus: error.status)), "message": .string(message)],
        ]
        if let requestID, case .object(var members) = body {
            members.append((key: "request_id", value: .string(requestID)))
            body = .object(members)
        }
        return body.serialized
    }

    /// The error as an Anthropic `error` stream event.
    public static func streamEvent(for error: GatewayError) -> [UInt8] {
        Array("event: error\ndata: ".utf8) + Self.body(for: error) + [0x0A, 0x0A]
    }

    /// The OpenAI-shaped error for an Anthropic error body (a response body or an `error` event's
    /// data) received with `status` (use 200 for a stream event: the type decides then).
    public static func gatewayError(status: Int, anthropicBody: some Collection<UInt8>) -> GatewayError {
        let error = (try? JSONValue.parseObject(anthropicBody))?["error"]
        let type = error?["type"]?.stringValue ?? Self.errorType(forStatus: status)
        let message = error?["message"]?.stringValue ?? "the upstream answered \(status) without an error message"
        let resolvedStatus = (400..<600).contains(status) ? status : Self.status(forErrorType: type)
        let code = type == "invalid_request_error" ? nil : type
        switch resolvedStatus {
        case 401: return GatewayError(status: 401, type: "invalid_request_error", code: "invalid_api_key", message: message)
        case 429: return GatewayError(status: 429, type: "rate_limit_error", code: code, message: message)
        case 400..<500: return GatewayError(status: resolvedStatus, type: "invalid_request_error", code: code, message: message)
        case 503, 529: return GatewayError(status: 503, type: "server_error", code: "overloaded_error", message: message)
        case 504: return GatewayError(status: 504, type: "timeout_error", code: code, message: message)
        default: return GatewayError.upstreamFailed(message)
        }
    }
}
