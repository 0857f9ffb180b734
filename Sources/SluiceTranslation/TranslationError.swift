import SluiceCore

/// Why a body could not be translated between the OpenAI and Anthropic dialects.
///
/// A request that uses something the other dialect cannot express is refused with the
/// parameter named, rather than forwarded with the feature silently dropped.
public struct TranslationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status the gateway answers with: 400 for the client's request, 502 for an
    /// upstream answer that could not be read.
    public var status: Int
    /// The offending parameter as a path, for example `messages[2].content[0].type`.
    public var param: String?
    public var message: String
    /// A machine-readable reason for the client, such as `content_filter`.
    public var code: String? = nil

    /// A request feature the target dialect cannot express, or a malformed request.
    public static func invalidRequest(_ message: String, param: String?) -> TranslationError {
        TranslationError(status: 400, param: param, message: message)
    }

    /// A request feature the target dialect cannot express.
    public static func unsupported(_ param: String, _ reason: String) -> TranslationError {
        TranslationError(status: 400, param: param, message: "'\(param)' is not supported by this model's API: \(reason)")
    }

    /// An upstream body that is not what its API documents.
    public static func upstreamInvalid(_ detail: String) -> TranslationError {
        TranslationError(status: 502, param: nil, message: detail)
    }

    /// An answer the upstream's filters blocked before it produced anything.
    public static func contentFiltered(_ reason: String) -> TranslationError {
        TranslationError(status: 400, param: nil, message: "The upstream blocked the answer (\(reason)).", code: "content_filter")
    }

    /// An answer the model could not finish because a function call it wrote was invalid
    /// (Gemini's `MALFORMED_FUNCTION_CALL`): a 502 the gateway may retry, coded so the client
    /// can tell it from other upstream failures.
    public static func malformedToolCall(_ reason: String, detail: String?) -> TranslationError {
        let message = "the model wrote a function call it could not complete (\(reason))" + (detail.map { ": \($0)" } ?? "")
        return TranslationError(status: 502, param: nil, message: message, code: "malformed_function_call")
    }

    /// A state the gateway's own code should have ruled out, such as a member that an earlier
    /// stage was to remove: a 500, never blamed on the client or the upstream.
    public static func internalInconsistency(_ detail: String) -> TranslationError {
        TranslationError(status: 500, param: nil, message: detail)
    }

    /// The error in the OpenAI shape, ready to answer the client with.
    public var gatewayError: GatewayError {
        if self.status == 400 {
            return GatewayError(status: 400, type: "invalid_request_error", code: self.code, param: self.param, message: self.message)
        }
        if self.status == 500 {
            return GatewayError(status: 500, type: "server_error", message: self.message)
        }
        var error = GatewayError.upstreamFailed(self.message)
        if let code = self.code { error.code = code }
        return error
    }

    public var description: String { "\(self.status) \(self.param ?? "-"): \(self.message)" }
}
