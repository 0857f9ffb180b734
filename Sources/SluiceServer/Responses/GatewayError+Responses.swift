import SluiceCore

/// The errors of the Responses API's stored state, in OpenAI's own words where OpenAI has them.
extension GatewayError {
    /// `GET`, `DELETE`, `input_items` or `cancel` of an id the caller's tenant has no live response for.
    static func responseNotFound(_ id: String) -> GatewayError {
        GatewayError(status: 404, type: "invalid_request_error", message: "Response with id '\(ResponseID.quoted(id))' not found.")
    }

    /// `previous_response_id` names a response that is unknown, expired, deleted, was made with
    /// `store: false`, or belongs to another tenant (which is never revealed).
    static func previousResponseNotFound(_ id: String) -> GatewayError {
        GatewayError(
            status: 400, type: "invalid_request_error", code: "previous_response_not_found", param: "previous_response_id",
            message: "Previous response with id '\(ResponseID.quoted(id))' not found."
        )
    }

    /// An id that cannot be one: wrong characters, or too long.
    static func malformedResponseID(_ id: String, param: String) -> GatewayError {
        GatewayError(
            status: 400, type: "invalid_request_error", code: "invalid_value", param: param,
            message: "Invalid '\(param)': '\(ResponseID.quoted(id))'. Expected an ID that contains letters, numbers, underscores, or dashes, "
                + "but this value contained additional characters."
        )
    }

    /// A path id that does not begin with `resp`.
    static func notAResponseID(_ id: String) -> GatewayError {
        GatewayError(
            status: 400, type: "invalid_request_error", code: "invalid_value", param: "response_id",
            message: "Invalid 'response_id': '\(ResponseID.quoted(id))'. Expected an ID that begins with 'resp'."
        )
    }

    /// OpenAI cancels only background responses, and Sluice has none.
    static let cannotCancelSynchronousResponse = GatewayError(
        status: 400, type: "invalid_request_error", message: "Cannot cancel a synchronous response."
    )

    /// The chain `previous_response_id` reaches back through is longer than the configured bound.
    static func conversationTooLong(responses limit: Int) -> GatewayError {
        GatewayError(
            status: 400, type: "invalid_request_error", code: "conversation_too_long", param: "previous_response_id",
            message: "The conversation previous_response_id continues is more than \(limit) responses long, more than this gateway keeps "
                + "in one request (responses.history_max_depth). Start a new conversation, or send the history you need as input."
        )
    }

    /// The items the chain brings in are more bytes than the configured bound.
    static func conversationTooLarge(bytes limit: Int) -> GatewayError {
        GatewayError(
            status: 400, type: "invalid_request_error", code: "conversation_too_large", param: "previous_response_id",
            message: "The conversation previous_response_id continues holds more than \(limit) bytes of items, more than this gateway "
                + "brings into one request (responses.history_max_bytes). Start a new conversation, or send the history you need as input."
        )
    }
}
