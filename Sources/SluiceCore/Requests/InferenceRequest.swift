/// What the gateway reads from an OpenAI-shaped request body before forwarding it unchanged
/// but for a few members.
public struct InferenceRequest: Sendable {
    public var endpoint: Endpoint
    /// The public model name the client asked for.
    public var model: String
    public var stream: Bool
    /// Whether the client itself asked for the final usage chunk of a stream.
    public var clientWantsStreamUsage: Bool
    /// `max_completion_tokens` or `max_tokens`, when given.
    public var maxOutputTokens: Int?
    /// The top-level members of the body, by byte range.
    public var members: [JSONMember]
    /// Length of the body in bytes.
    public var byteCount: Int

    /// Validates `bytes` as a request for `endpoint`.
    public init(endpoint: Endpoint, bytes: UnsafeRawBufferPointer) throws(GatewayError) {
        let members: [JSONMember]
        do {
            members = try JSONScanner.topLevelMembers(of: bytes)
        } catch {
            throw GatewayError.malformedJSON(error)
        }
        guard let modelMember = members.member("model") else {
            throw GatewayError.invalidRequest("you must provide a model parameter", param: "model")
        }
        guard let model = JSONValueReader.string(modelMember, in: bytes), !model.isEmpty else {
            throw GatewayError.invalidRequest("'model' must be a non-empty string", param: "model")
        }
        guard let input = members.member(endpoint.requiredInput), input.kind != .null else {
            throw GatewayError.invalidRequest("'\(endpoint.requiredInput)' is a required property", param: endpoint.requiredInput)
        }
        if endpoint == .chatCompletions, input.kind != .array {
            throw GatewayError.invalidRequest("'messages' must be an array", param: "messages")
        }
        var stream = false
        if let streamMember = members.member("stream"), streamMember.kind != .null {
            guard let value = JSONValueReader.bool(streamMember, in: bytes) else {
                throw GatewayError.invalidRequest("'stream' must be a boolean", param: "stream")
            }
            guard !value || endpoint.canStream else {
                throw GatewayError.invalidRequest("'stream' is not supported for \(endpoint.path)", param: "stream")
            }
            stream = value
        }
        var wantsUsage = false
        if let options = members.member("stream_options"), options.kind == .object {
            let inner = JSONScanner.members(of: bytes, objectAt: options.value)
            wantsUsage = inner.member("include_usage").flatMap { JSONValueReader.bool($0, in: bytes) } ?? false
        }
        var maxOutput: Int?
        for key in ["max_completion_tokens", "max_tokens"] {
            guard let member = members.member(key), member.kind != .null else { continue }
            guard let value = JSONValueReader.integer(member, in: bytes), value > 0 else {
                throw GatewayError.invalidRequest("'\(key)' must be a positive integer", param: key)
            }
            maxOutput = value
            break
        }
        self.endpoint = endpoint
        self.model = model
        self.stream = stream
        self.clientWantsStreamUsage = wantsUsage
        self.maxOutputTokens = maxOutput
        self.members = members
        self.byteCount = bytes.count
    }

    /// The splices that turn the client's body into the upstream's: the upstream model name, and
    /// `stream_options.include_usage` so a stream always reports its usage.
    public func upstreamEdits(upstreamModel: String, in bytes: UnsafeRawBufferPointer) -> [BodyEdit] {
        var edits: [BodyEdit] = []
        if upstreamModel != self.model, let member = self.members.member("model") {
            edits.append(BodyEdit(range: member.value, replacement: JSONString.quoted(upstreamModel)))
        }
        if self.stream && !self.clientWantsStreamUsage {
            edits.append(self.includeUsageEdit(in: bytes))
        }
        return edits.sorted { $0.range.lowerBound < $1.range.lowerBound }
    }

    private func includeUsageEdit(in bytes: UnsafeRawBufferPointer) -> BodyEdit {
        guard let options = self.members.member("stream_options"), options.kind == .object else {
            if let options = self.members.member("stream_options") {
                return BodyEdit(range: options.value, replacement: #"{"include_usage":true}"#)
            }
            let end = self.members.map(\.value.upperBound).max() ?? 1
            return BodyEdit(range: end..<end, replacement: #","stream_options":{"include_usage":true}"#)
        }
        let inner = JSONScanner.members(of: bytes, objectAt: options.value)
        if let flag = inner.member("include_usage") {
            return BodyEdit(range: flag.value, replacement: "true")
        }
        let afterBrace = options.value.lowerBound + 1
        return BodyEdit(range: afterBrace..<afterBrace, replacement: inner.isEmpty ? #""include_usage":true"# : #""include_usage":true,"#)
    }
}
