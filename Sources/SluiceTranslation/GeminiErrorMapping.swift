import SluiceCore

/// Gemini's errors, `{"error":{"code","message","status"}}`, in the OpenAI shape (``GatewayError``).
public enum GeminiErrorMapping {
    /// The OpenAI-shaped error for a Gemini error body (a response body, or a stream event's data)
    /// received with `status` (use 0 for a stream event: the body's `code` decides then).
    ///
    /// 429 stays retryable, 503 stays 503, 504 becomes a timeout and other 5xx become 502; 4xx pass
    /// through with Gemini's message and its `status` (lowercased) as the code. A 429 or 503
    /// whose `details` hold a `google.rpc.RetryInfo` gets its `retryDelay` as `retryAfter`.
    public static func gatewayError(status: Int, geminiBody: some Collection<UInt8>) -> GatewayError {
        let error = (try? JSONValue.parseObject(geminiBody))?["error"]
        let resolvedStatus = (400..<600).contains(status) ? status : (error?["code"]?.intValue ?? 502)
        let message = error?["message"]?.stringValue ?? "the upstream answered \(resolvedStatus) without an error message"
        let code = error?["status"]?.stringValue.flatMap { $0 == "INVALID_ARGUMENT" ? nil : $0.lowercased() }
        let retryAfter = Self.retryDelaySeconds(error).map(String.init)
        switch resolvedStatus {
        case 401: return GatewayError(status: 401, type: "invalid_request_error", code: "invalid_api_key", message: message)
        case 429: return GatewayError(status: 429, type: "rate_limit_error", code: code, message: message, retryAfter: retryAfter)
        case 400..<500: return GatewayError(status: resolvedStatus, type: "invalid_request_error", code: code, message: message)
        case 503: return GatewayError(status: 503, type: "server_error", code: code, message: message, retryAfter: retryAfter)
        case 504: return GatewayError(status: 504, type: "timeout_error", code: code, message: message)
        default: return GatewayError.upstreamFailed(message)
        }
    }

    /// Longest `retryDelay` passed on: a day. Longer ones are cut to it.
    static let maxRetryDelaySeconds = 86_400

    /// Whole seconds (rounded up, at least 1) of the `retryDelay` of a `google.rpc.RetryInfo` in
    /// `error.details`, a protobuf Duration such as `"38s"` or `"0.5s"`; nil when there is none or
    /// it does not read as one.
    static func retryDelaySeconds(_ error: JSONValue?) -> Int? {
        let info = error?["details"]?.arrayValue?.first { $0["@type"]?.stringValue == "type.googleapis.com/google.rpc.RetryInfo" }
        guard let delay = info?["retryDelay"]?.stringValue, delay.hasSuffix("s"), delay.utf8.count <= 32,
            let seconds = Double(delay.dropLast()), seconds.isFinite, seconds >= 0
        else { return nil }
        return max(1, Int(min(seconds.rounded(.up), Double(Self.maxRetryDelaySeconds))))
    }
}
