import SluiceCore
import SluiceTranslation
import Testing

@Suite("Errors between the OpenAI and Anthropic shapes")
struct ErrorMappingTests {
    @Test(arguments: [
        (400, "invalid_request_error"), (401, "authentication_error"), (403, "permission_error"), (404, "not_found_error"),
        (413, "request_too_large"), (422, "invalid_request_error"), (429, "rate_limit_error"), (500, "api_error"),
        (502, "api_error"), (503, "overloaded_error"), (504, "api_error"), (529, "overloaded_error"),
    ])
    func statusesMapToAnthropicTypes(status: Int, type: String) {
        #expect(AnthropicErrorMapping.errorType(forStatus: status) == type)
    }

    @Test func gatewayErrorsRenderInTheAnthropicShape() {
        let body = AnthropicErrorMapping.body(for: .unknownModel("gpt-9"), requestID: "req_1")
        #expect(json(body) == json(#"{"type":"error","error":{"type":"not_found_error","message":"The model `gpt-9` does not exist or you do not have access to it."},"request_id":"req_1"}"#))
        let event = String(decoding: AnthropicErrorMapping.streamEvent(for: .timeout(.firstToken)), as: UTF8.self)
        #expect(event.hasPrefix("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\""))
        #expect(event.hasSuffix("\n\n"))
    }

    @Test(arguments: [
        (400, "invalid_request_error", 400, "invalid_request_error"),
        (401, "authentication_error", 401, "invalid_request_error"),
        (404, "not_found_error", 404, "invalid_request_error"),
        (429, "rate_limit_error", 429, "rate_limit_error"),
        (500, "api_error", 502, "upstream_error"),
        (529, "overloaded_error", 503, "server_error"),
    ])
    func anthropicErrorsBecomeOpenAIErrors(status: Int, anthropicType: String, openAIStatus: Int, openAIType: String) {
        let body = #"{"type":"error","error":{"type":"\#(anthropicType)","message":"boom"},"request_id":"req_x"}"#
        let error = AnthropicErrorMapping.gatewayError(status: status, anthropicBody: Array(body.utf8))
        #expect(error.status == openAIStatus)
        #expect(error.type == openAIType)
        #expect(error.message.contains("boom"))
    }

    @Test func translationErrorsBecomeGatewayErrors() {
        let error = TranslationError.unsupported("n", "it generates one choice per request")
        #expect(error.gatewayError == GatewayError.invalidRequest("'n' is not supported by this model's API: it generates one choice per request", param: "n"))
    }

    @Test func anAnthropicClientIsToldItsOwnParameterName() {
        let error = TranslationError.unsupported("reasoning_effort", "this Bedrock model takes no reasoning setting through the gateway").gatewayError
        let body = json(AnthropicErrorMapping.body(for: error))
        #expect(body["error"]?["message"] == "'thinking' is not supported by this model's API: this Bedrock model takes no reasoning setting through the gateway")
        let other = GatewayError(status: 400, type: "invalid_request_error", param: "temperature", message: "'temperature' must be a number")
        #expect(json(AnthropicErrorMapping.body(for: other))["error"]?["message"] == "'temperature' must be a number")
    }
}
