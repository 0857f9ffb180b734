/// What the gateway reads from an OpenAI-shaped request body before forwarding it unchanged
/// but for a few members.
public struct InferenceRequest: Sendable {
    public var endpoint: Endpoint
    /// The public model name the client asked for.
    public var model: String
    public var stream: Bool
    /// Whether the client itself asked for the final usage chunk of a stream.
    public var clientWantsStreamUsage: Bool
    /// `max_completion_tokens` or `max_tokens` (`max_output_tokens` for responses), when given.
    public var maxOutputTokens: Int?
    /// How many answers the upstream generates and bills: `n`, or `best_of` when it is larger.
    public var generatedChoices: Int
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
        for key in Self.membersRead where members.count(where: { $0.key == key }) > 1 {
            throw GatewayError.invalidRequest("The request body names '\(key)' more than once.", param: key)
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
        for key in endpoint.outputLimitKeys {
            guard let value = try Self.integer(key, in: members, bytes: bytes, allowed: 1...Self.maximumOutputTokens) else { continue }
            maxOutput = value
            break
        }
        let n = try Self.integer("n", in: members, bytes: bytes, allowed: 1...Self.maximumChoices) ?? 1
        let bestOf = try Self.integer("best_of", in: members, bytes: bytes, allowed: 1...Self.maximumBestOf) ?? 1
        self.endpoint = endpoint
        self.model = model
        self.stream = stream
        self.clientWantsStreamUsage = wantsUsage
        self.maxOutputTokens = maxOutput
        self.generatedChoices = max(n, bestOf)
        self.members = members
        self.byteCount = bytes.count
    }

    /// The members the gateway reads; a body naming one twice is refused, since an upstream that
    /// takes the first copy would serve another request than the one authorised and priced.
    static let membersRead = ["model", "stream", "stream_options", "max_tokens", "max_completion_tokens", "max_output_tokens", "n", "best_of"]
    /// OpenAI's own bounds: 32-bit token limits, `n` up to 128, `best_of` up to 20.
    public static let maximumOutputTokens = Int(Int32.max)
    public static let maximumChoices = 128
    public static let maximumBestOf = 20

    /// The integer member `key` when present and not null.
    /// - Throws: 400 naming `key` when it is not an integer or lies outside `allowed`, in OpenAI's words.
    private static func integer(
        _ key: String, in members: [JSONMember], bytes: UnsafeRawBufferPointer, allowed: ClosedRange<Int>
    ) throws(GatewayError) -> Int? {
        guard let member = members.member(key), member.kind != .null else { return nil }
        let literal = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[member.value.prefix(40)]), as: UTF8.self)
        switch JSONValueReader.integerReading(member, in: bytes) {
        case .integer(let value) where allowed.contains(value):
            return value
        case .integer(let value):
            throw GatewayError.integerOutOfRange(key, literal: literal, bound: value < allowed.lowerBound ? allowed.lowerBound : allowed.upperBound, above: value > allowed.upperBound)
        case .outOfRange(let negative):
            throw GatewayError.integerOutOfRange(key, literal: literal, bound: negative ? allowed.lowerBound : allowed.upperBound, above: !negative)
        case .notAnInteger:
            throw GatewayError.invalidRequest("Invalid type for '\(key)': expected an integer, but got \(literal) instead.", param: key)
        }
    }

    /// The body with `max_tokens` (`max_output_tokens` for responses) set to `tokens`, and its
    /// summary, for a request that named no output limit: a budget's worst case holds only when
    /// the upstream is told the limit it assumes. A `null` limit is replaced, so that the body
    /// names it once.
    public func limitingOutput(to tokens: Int, in bytes: UnsafeRawBufferPointer) -> (body: [UInt8], request: InferenceRequest)? {
        let value = String(tokens)
        let key = self.endpoint.outputLimitKeys[self.endpoint.outputLimitKeys.count - 1]
        let edit: BodyEdit
        if let existing = self.members.member(key) {
            edit = BodyEdit(range: existing.value, replacement: value)
        } else {
            let end = self.members.map(\.value.upperBound).max() ?? 1
            edit = BodyEdit(range: end..<end, replacement: (self.members.isEmpty ? "" : ",") + JSONString.quoted(key) + ":" + value)
        }
        let body = BodyEdit.apply([edit], to: bytes)
        guard let request = try? body.withUnsafeBytes({ bytes throws(GatewayError) in try InferenceRequest(endpoint: self.endpoint, bytes: bytes) }) else {
            return nil
        }
        return (body, request)
    }

    /// The splices that turn the client's body into the upstream's: the upstream model name, and
    /// `stream_options.include_usage` so a stream always reports its usage (a Responses stream
    /// always does, in its final event).
    public func upstreamEdits(upstreamModel: String, in bytes: UnsafeRawBufferPointer) -> [BodyEdit] {
        var edits: [BodyEdit] = []
        if upstreamModel != self.model, let member = self.members.member("model") {
            edits.append(BodyEdit(range: member.value, replacement: JSONString.quoted(upstreamModel)))
        }
        if self.stream && !self.clientWantsStreamUsage && self.endpoint != .responses {
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
