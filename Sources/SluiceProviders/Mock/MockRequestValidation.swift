import NIOCore
import SluiceCore

/// Checks a chat request's messages as OpenAI's API does, and refuses in its words (400,
/// `invalid_request_error`, the offending `param` and OpenAI's code), so demos and tests see
/// the errors real users will.
enum MockRequestValidation {
    /// The roles OpenAI's chat completions accept, and how its errors list them.
    static let roles: Set = ["system", "assistant", "user", "function", "tool", "developer"]
    static let supportedRoles = "'system', 'assistant', 'user', 'function', 'tool', and 'developer'"

    /// The error a real server would answer `body` with; nil when it would take the request.
    static func refusal(of request: InferenceRequest, body: UnsafeRawBufferPointer) -> GatewayError? {
        guard request.endpoint == .chatCompletions, let messages = request.members.member("messages"), messages.kind == .array else { return nil }
        let elements = JSONScanner.elements(of: body, arrayAt: messages.value)
        guard !elements.isEmpty else {
            return self.error(
                "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
                param: "messages", code: "empty_array"
            )
        }
        for (index, element) in elements.enumerated() {
            if let refusal = self.refusal(ofMessage: element, at: "messages[\(index)]", in: body) { return refusal }
        }
        return nil
    }

    private static func refusal(ofMessage range: Range<Int>, at path: String, in body: UnsafeRawBufferPointer) -> GatewayError? {
        let kind = self.kind(of: range, in: body)
        guard kind == .object else { return self.invalidType(path, expected: "an object", got: kind, range, body) }
        let fields = JSONScanner.members(of: body, objectAt: range)
        guard let roleMember = fields.member("role") else { return self.missing("\(path).role") }
        guard let role = JSONValueReader.string(roleMember, in: body) else {
            return self.invalidType("\(path).role", expected: "a string", got: roleMember.kind, roleMember.value, body)
        }
        guard self.roles.contains(role) else {
            return self.error("Invalid value: '\(role)'. Supported values are: \(self.supportedRoles).", param: "\(path).role", code: "invalid_value")
        }
        // An assistant turn may carry tool calls (or a function call) instead of content.
        let callsInstead = role == "assistant" && (fields.member("tool_calls") != nil || fields.member("function_call") != nil)
        if let content = fields.member("content") {
            let allowed = content.kind == .string || content.kind == .array || (content.kind == .null && callsInstead)
            if !allowed {
                return self.invalidType("\(path).content", expected: "one of a string or array of objects", got: content.kind, content.value, body)
            }
        } else if !callsInstead {
            return self.missing("\(path).content")
        }
        if role == "tool", fields.member("tool_call_id") == nil { return self.missing("\(path).tool_call_id") }
        if role == "function", fields.member("name") == nil { return self.missing("\(path).name") }
        return nil
    }

    private static func missing(_ param: String) -> GatewayError {
        self.error("Missing required parameter: '\(param)'.", param: param, code: "missing_required_parameter")
    }

    private static func invalidType(_ param: String, expected: String, got kind: JSONValueKind, _ range: Range<Int>, _ body: UnsafeRawBufferPointer) -> GatewayError {
        self.error("Invalid type for '\(param)': expected \(expected), but got \(self.name(of: kind, range, body)) instead.", param: param, code: "invalid_type")
    }

    /// The refusal as an upstream's 400 would reach the client: through the same mapping.
    private static func error(_ message: String, param: String, code: String) -> GatewayError {
        let body = GatewayError(status: 400, type: "invalid_request_error", code: code, param: param, message: message).jsonBody
        return UpstreamFailure.error(status: 400, body: ByteBuffer(string: body), retryAfter: nil)
    }

    /// OpenAI's words for the type of a value.
    private static func name(of kind: JSONValueKind, _ range: Range<Int>, _ body: UnsafeRawBufferPointer) -> String {
        switch kind {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .bool: "a boolean"
        case .null: "null"
        case .number:
            body[range].contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") } ? "a decimal" : "an integer"
        }
    }

    /// The kind of the value at `range` of a validated document, from its first byte.
    private static func kind(of range: Range<Int>, in body: UnsafeRawBufferPointer) -> JSONValueKind {
        switch body[range.lowerBound] {
        case UInt8(ascii: "{"): .object
        case UInt8(ascii: "["): .array
        case UInt8(ascii: "\""): .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): .bool
        case UInt8(ascii: "n"): .null
        default: .number
        }
    }
}
