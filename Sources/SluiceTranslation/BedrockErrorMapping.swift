import SluiceCore

/// Bedrock Runtime errors in the OpenAI shape (``GatewayError``).
///
/// Bedrock names an error by its exception type: in the `x-amzn-errortype` header of an HTTP
/// answer (`ThrottlingException:http://…`), or the `:exception-type` header of an event-stream
/// exception frame (`throttlingException`); the JSON body or payload carries `message`.
public enum BedrockErrorMapping {
    /// The OpenAI-shaped error for a Bedrock error.
    ///
    /// | Exception | Status |
    /// |---|---|
    /// | `ThrottlingException`, `ServiceQuotaExceededException` | 429 (retryable) |
    /// | `ValidationException` | 400 |
    /// | `UnrecognizedClientException`, `InvalidSignatureException` | 401 |
    /// | `AccessDeniedException` | 403 |
    /// | `ResourceNotFoundException` | 404 |
    /// | `ServiceUnavailableException`, `ModelNotReadyException` | 503 (retryable) |
    /// | `ModelTimeoutException` | 504 (retryable) |
    /// | `ModelStreamErrorException`, `ModelErrorException`, `InternalServerException`, other 5xx | 502 (retryable) |
    ///
    /// An unknown type falls back on the HTTP status (0 for a stream frame: then 502).
    /// - Parameters:
    ///   - status: the HTTP status, or 0 for an exception frame of a stream.
    ///   - exceptionType: the exception's name as the header gives it.
    ///   - body: the JSON body or frame payload.
    public static func gatewayError(status: Int, exceptionType: String?, body: some Collection<UInt8>) -> GatewayError {
        let name = exceptionType.map { type in String(type.prefix { $0 != ":" }) } ?? ""
        let message = (try? JSONValue.parseObject(body))?["message"]?.stringValue
            ?? (name.isEmpty ? "the upstream answered \(status) without an error message" : name)
        let code = name.isEmpty ? nil : Self.snakeCased(name)
        switch name.lowercased() {
        case "throttlingexception", "servicequotaexceededexception":
            return GatewayError(status: 429, type: "rate_limit_error", code: code, message: message)
        case "validationexception":
            return GatewayError(status: 400, type: "invalid_request_error", code: nil, message: message)
        case "unrecognizedclientexception", "invalidsignatureexception":
            return GatewayError(status: 401, type: "invalid_request_error", code: "invalid_api_key", message: message)
        case "accessdeniedexception":
            return GatewayError(status: 403, type: "invalid_request_error", code: code, message: message)
        case "resourcenotfoundexception":
            return GatewayError(status: 404, type: "invalid_request_error", code: code, message: message)
        case "serviceunavailableexception", "modelnotreadyexception":
            return GatewayError(status: 503, type: "server_error", code: code, message: message)
        case "modeltimeoutexception":
            return GatewayError(status: 504, type: "timeout_error", code: code, message: message)
        case "modelstreamerrorexception", "modelerrorexception", "internalserverexception":
            return GatewayError.upstreamFailed(message)
        default:
            switch status {
            case 429: return GatewayError(status: 429, type: "rate_limit_error", code: code, message: message)
            case 401: return GatewayError(status: 401, type: "invalid_request_error", code: "invalid_api_key", message: message)
            case 400..<500: return GatewayError(status: status, type: "invalid_request_error", code: code, message: message)
            case 503: return GatewayError(status: 503, type: "server_error", code: code, message: message)
            default: return GatewayError.upstreamFailed(message)
            }
        }
    }

    /// `ThrottlingException` → `throttling_exception`.
    private static func snakeCased(_ name: String) -> String {
        var output = ""
        for character in name {
            if character.isUppercase, !output.isEmpty { output.append("_") }
            output.append(contentsOf: character.lowercased())
        }
        return output
    }
}
