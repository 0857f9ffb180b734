import SluiceCore

/// What a Responses client asked for, as the `response` object repeats it: OpenAI returns the
/// request's settings (or their defaults) beside the output, and clients read them back.
/// Parsed once from the client's own body, before `previous_response_id` is expanded.
public struct ResponsesRequestEcho: Sendable {
    /// The members the response object repeats, in OpenAI's order, each with its value or
    /// default: those before `output`, then those after it.
    private var head: [(key: String, value: JSONValue)] = []
    private var tail: [(key: String, value: JSONValue)] = []

    /// Whether the client asked to keep the response (`store`, true unless it said false).
    public private(set) var store = true
    /// Whether the client asked for a stream.
    public private(set) var stream = false
    /// The response this one continues, as the client named it.
    public private(set) var previousResponseID: String?
    /// Whether `include` asks for `reasoning.encrypted_content`.
    public private(set) var includesEncryptedReasoning = false
    /// Whether `reasoning.summary` (or the older `generate_summary`) asks for a summary.
    public private(set) var wantsReasoningSummary = false

    /// Reads `clientBody`, the Responses request as the client sent it. A member of the wrong
    /// type is repeated as it came (the translation refuses it first); a body that is no JSON
    /// object gives the defaults.
    public init(clientBody: some Collection<UInt8>) {
        let request = (try? JSONValue.parseObject(clientBody)) ?? [:]
        func given(_ key: String, or fallback: JSONValue) -> JSONValue { request.present(key) ?? fallback }
        self.store = request.present("store")?.boolValue ?? true
        self.stream = request.present("stream")?.boolValue ?? false
        self.previousResponseID = request.present("previous_response_id")?.stringValue
        self.includesEncryptedReasoning = request.present("include")?.arrayValue?.contains { $0.stringValue == "reasoning.encrypted_content" } ?? false
        let reasoning = request.present("reasoning")
        let summary = reasoning?.present("summary") ?? reasoning?.present("generate_summary")
        self.wantsReasoningSummary = summary?.stringValue.map { $0 != "none" } ?? false
        var text = ObjectBuilder()
        text.set("format", request.present("text")?.present("format") ?? ["type": "text"])
        text.set("verbosity", request.present("text")?.present("verbosity") ?? "medium")

        self.head = [
            (key: "background", value: false),
            (key: "error", value: .null),
            (key: "incomplete_details", value: .null),
            (key: "instructions", value: given("instructions", or: .null)),
            (key: "max_output_tokens", value: given("max_output_tokens", or: .null)),
            (key: "max_tool_calls", value: given("max_tool_calls", or: .null)),
        ]
        self.tail = [
            (key: "parallel_tool_calls", value: given("parallel_tool_calls", or: true)),
            (key: "previous_response_id", value: given("previous_response_id", or: .null)),
            (key: "prompt_cache_key", value: given("prompt_cache_key", or: .null)),
            (key: "reasoning", value: ["effort": reasoning?.present("effort") ?? .null, "summary": summary ?? .null]),
            (key: "safety_identifier", value: given("safety_identifier", or: .null)),
            (key: "service_tier", value: given("service_tier", or: "default")),
            (key: "store", value: .bool(self.store)),
            (key: "temperature", value: given("temperature", or: .number("1.0"))),
            (key: "text", value: text.object),
            (key: "tool_choice", value: given("tool_choice", or: "auto")),
            (key: "tools", value: given("tools", or: [])),
            (key: "top_logprobs", value: given("top_logprobs", or: 0)),
            (key: "top_p", value: given("top_p", or: .number("1.0"))),
            (key: "truncation", value: given("truncation", or: "disabled")),
        ]
        self.user = given("user", or: .null)
        self.metadata = given("metadata", or: [:])
    }

    private var user: JSONValue = .null
    private var metadata: JSONValue = [:]

    /// The `response` object.
    /// - Parameters:
    ///   - status: `in_progress`, `completed`, `incomplete` or `failed`.
    ///   - output: the output items, each serialised.
    ///   - usage: the `usage` object, nil while the response runs.
    ///   - error: the `error` object of a failed response.
    ///   - incompleteReason: why an incomplete response stopped.
    func responseObject(
        _ answer: ResponsesAnswerContext, status: String, output: [[UInt8]], usage: JSONValue?, error: JSONValue? = nil,
        incompleteReason: String? = nil
    ) -> [UInt8] {
        var object: [UInt8] = []
        object.reserveCapacity(1024 + output.reduce(0) { $0 + $1.count })
        object.append("{")
        Self.write("id", .string(answer.responseID), into: &object, first: true)
        Self.write("object", "response", into: &object)
        Self.write("created_at", .integer(answer.createdAt), into: &object)
        Self.write("status", .string(status), into: &object)
        for member in self.head {
            switch member.key {
            case "error": Self.write("error", error ?? .null, into: &object)
            case "incomplete_details": Self.write("incomplete_details", incompleteReason.map { ["reason": .string($0)] } ?? .null, into: &object)
            default: Self.write(member.key, member.value, into: &object)
            }
        }
        Self.write("model", .string(answer.publicModel), into: &object)
        object.append(#","output":["#)
        for (index, item) in output.enumerated() {
            if index > 0 { object.append(",") }
            object.append(contentsOf: item)
        }
        object.append("]")
        for member in self.tail { Self.write(member.key, member.value, into: &object) }
        Self.write("usage", usage ?? .null, into: &object)
        Self.write("user", self.user, into: &object)
        Self.write("metadata", self.metadata, into: &object)
        object.append("}")
        return object
    }

    private static func write(_ key: String, _ value: JSONValue, into output: inout [UInt8], first: Bool = false) {
        if !first { output.append(",") }
        JSONString.appendQuoted(key, to: &output)
        output.append(":")
        value.write(into: &output)
    }
}

/// Everything a translated answer's `response` object is made of besides the answer itself.
struct ResponsesAnswerContext: Sendable {
    /// The response's id (`resp_...`).
    var responseID: String
    /// The Unix time the response was created.
    var createdAt: Int
    /// The model name the client asked for.
    var publicModel: String
    var echo: ResponsesRequestEcho
    /// The chat names of namespaced functions, from ``ResponsesChatForm/toolNames``.
    var toolNames: ResponsesToolNames
    /// Seals the backend's reasoning when the client asked for `reasoning.encrypted_content`.
    var seal: (any ReasoningSeal)?
}
