import SluiceCore

/// Gemini's errors, `{"error":{"code","message","status"}}`, in the OpenAI shape (``GatewayError``).
public enum GeminiErrorMapping {
    /// The OpenAI-shaped error for a Gemini error body (a response body, or a stream event's data)
    /// received with `status` (use 0 for a stream event: the body's `code` decides then).
    ///
    /// 429 stays retryable, 503 stays 503, 504 becomes a timeout and other 5xx become 502; 4xx pass
    /// through with Gemini's message and its `status` (lowercased) as the code.
    public static func gatewayError(status: Int, geminiBody: some Collection<UInt8>) -> GatewayError {
        let error = (try? JSONValue.parseObject(geminiBody))?["error"]
        let resolvedStatus = (400..<600).contains(status) ? status : (error?["code"]?.intValue ?? 502)
        let message = error?["message"]?.stringValue ?? "the upstream answered \(resolvedStatus) without an error message"
        let code = error?["status"]?.stringValue.flatMap { $0 == "INVALID_ARGUMENT" ? nil : $0.lowercased() }
        switch resolvedStatus {
        case 401: return GatewayError(status: 401, type: "invalid_request_error", code: "invalid_api_key", message: message)
        case 429: return GatewayError(status: 429, type: "rate_limit_error", code: code, message: message)
        case 400..<500: return GatewayError(status: resolvedStatus, type: "invalid_request_error", code: code, message: message)
        case 503: return GatewayError(status: 503, type: "server_error", code: code, message: message)
        case 504: return GatewayError(status: 504, type: "timeout_error", code: code, message: message)
        default: return GatewayError.upstreamFailed(message)
        }
    }
}
