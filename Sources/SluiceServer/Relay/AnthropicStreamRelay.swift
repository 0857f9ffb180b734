import NIOCore
import SluiceCore
import SluiceTranslation

/// Relays an Anthropic Messages SSE stream to a client that speaks Anthropic's API, as Anthropic
/// sent it: every byte is forwarded untouched except `message.model` in `message_start`, which
/// becomes the public model name. On the way it notes the usage (`message_start`, then each
/// `message_delta`), an `error` event (dropped: the gateway ends the stream with its own, of the
/// same type), the events that carried output, and whether the stream ended with `message_stop`.
///
/// Only complete events are forwarded; a partial event waits for the rest of its bytes.
struct AnthropicStreamRelay {
    let publicModel: String
    private var events: SSEEventRelay<EventReader>

    /// - Parameters:
    ///   - outputTokenCap: the output tokens a budget reservation covers; a stream that passes
    ///     them is cut.
    ///   - keepsText: whether to keep the text deltas for ``completionText``.
    init(publicModel: String, outputTokenCap: Int? = nil, keepsText: Bool = false) {
        self.publicModel = publicModel
        self.events = SSEEventRelay(filter: EventReader(publicModel: publicModel, outputCap: outputTokenCap, keepsText: keepsText))
    }

    /// An event may not grow past this without ending; a stream that does is garbage.
    static var maximumEventBytes: Int { SSEEventRelay<EventReader>.maximumEventBytes }

    /// The token counts so far; nil until the stream reported any. `message_start`'s output
    /// count is a placeholder (1 or 2), so a stream cut before its `message_delta` counts at least
    /// one output token per event that carried output; once `message_delta` gave the count, it stands.
    var usage: Usage? {
        guard var usage = self.events.filter.counts?.usage else { return nil }
        if !self.events.filter.sawOutputCount { usage.completionTokens = Usage.clamped(max(usage.completionTokens, self.outputEvents)) }
        return usage
    }
    /// The message of an `error` event the upstream sent mid-stream.
    var upstreamError: String? { self.events.filter.upstreamError }
    /// The `error` event's failure as Anthropic typed it (`overloaded_error` as a retryable 503, …).
    var upstreamFailure: GatewayError? {
        self.events.filter.upstreamErrorData.map { AnthropicErrorMapping.gatewayError(status: 200, anthropicBody: $0) }
    }
    /// The output tokens a budget reservation covers.
    var outputCap: Int? { self.events.filter.outputCap }
    /// Events that carried output (text, thinking or tool input): Anthropic sends at least one
    /// token per such event, so this is a floor under the output tokens.
    var outputEvents: Int { self.events.filter.outputEvents }
    /// The text deltas so far, as the inside of a JSON string (the escapes as Anthropic sent
    /// them), when the relay keeps text.
    var completionText: [UInt8]? { self.events.filter.text }

    /// Whether the upstream ended the stream properly.
    var isComplete: Bool { self.events.filter.sawMessageStop && !self.events.isCarrying }

    /// Takes the next upstream bytes and returns what to send the client now (possibly nothing).
    /// - Throws: ``GatewayError`` when the upstream sends something that is not an Anthropic
    ///   stream, or ``GatewayError/outputCapReached(_:)`` past the output cap.
    mutating func relay(_ chunk: ByteBuffer) throws(GatewayError) -> ByteBuffer {
        try self.events.relay(chunk)
    }
}

extension AnthropicStreamRelay {
    /// Reads each event of the stream and decides what the client gets of it.
    fileprivate struct EventReader: SSEEventFilter {
        let publicModel: String
        let outputCap: Int?
        var counts: AnthropicUsageCounts?
        var upstreamError: String?
        /// The data of the `error` event, kept for its error type.
        var upstreamErrorData: [UInt8]?
        var outputEvents = 0
        var sawMessageStop = false
        /// Whether a `message_delta` reported the output count.
        var sawOutputCount = false
        var text: [UInt8]?

        init(publicModel: String, outputCap: Int?, keepsText: Bool) {
            self.publicModel = publicModel
            self.outputCap = outputCap
            self.text = keepsText ? [] : nil
        }

        mutating func filter(_ event: UnsafeRawBufferPointer) throws(GatewayError) -> SSEEventAction {
            try SSEDataAction.apply(toObjectIn: event) { (members, data, name) throws(GatewayError) in try self.read(members, name: name, in: data) }
        }

        private mutating func read(_ members: [JSONMember], name: String?, in data: UnsafeRawBufferPointer) throws(GatewayError) -> SSEDataAction {
            // The SSE event name and the data's `type` always agree in Anthropic's streams; the
            // data is what SDKs decode.
            switch members.member("type").flatMap({ JSONValueReader.string($0, in: data) }) ?? name {
            case "message_start":
                guard let message = members.member("message"), message.kind == .object else { return .keep }
                let fields = JSONScanner.members(of: data, objectAt: message.value)
                if let usage = fields.member("usage") { self.noteUsage(usage, in: data) }
                let edits = ModelNameEdit.edits(members: fields, publicModel: self.publicModel, in: data)
                return edits.isEmpty ? .keep : .edit(edits)
            case "message_delta":
                if let usage = members.member("usage") {
                    self.noteUsage(usage, in: data)
                    self.sawOutputCount = true
                }
            case "content_block_delta":
                try self.noteDelta(members, in: data)
            case "message_stop":
                self.sawMessageStop = true
            case "error":
                let error = members.member("error")
                let fields = error.map { $0.kind == .object ? JSONScanner.members(of: data, objectAt: $0.value) : [] } ?? []
                self.upstreamError = fields.member("message").flatMap { JSONValueReader.string($0, in: data) } ?? "unspecified upstream error"
                self.upstreamErrorData = Array(data)
                // The gateway ends the stream with an error event of its own.
                return .drop
            default:
                break
            }
            return .keep
        }

        private mutating func noteUsage(_ member: JSONMember, in data: UnsafeRawBufferPointer) {
            if self.counts == nil {
                self.counts = AnthropicUsageCounts(member, in: data)
            } else {
                self.counts?.merge(member, in: data)
            }
        }

        /// Counts a delta that carries output against the cap, and keeps its text when asked to.
        /// Signature and citation deltas carry no generated tokens.
        private mutating func noteDelta(_ members: [JSONMember], in data: UnsafeRawBufferPointer) throws(GatewayError) {
            guard let delta = members.member("delta"), delta.kind == .object else { return }
            let fields = JSONScanner.members(of: data, objectAt: delta.value)
            let isText: Bool
            let content: JSONMember?
            switch fields.member("type").flatMap({ JSONValueReader.string($0, in: data) }) {
            case "text_delta": (isText, content) = (true, fields.member("text"))
            case "thinking_delta": (isText, content) = (false, fields.member("thinking"))
            case "input_json_delta": (isText, content) = (false, fields.member("partial_json"))
            default: return
            }
            guard let content, content.kind == .string, content.value.count > 2 else { return }
            self.outputEvents += 1
            if let cap = self.outputCap, self.outputEvents > cap { throw GatewayError.outputCapReached(cap) }
            if isText, self.text != nil {
                self.text?.append(contentsOf: UnsafeRawBufferPointer(rebasing: data[(content.value.lowerBound + 1)..<(content.value.upperBound - 1)]))
            }
        }
    }
}
