import NIOCore
import SluiceCore

/// Relays a Responses API SSE stream to a client that speaks the Responses API, as the upstream
/// sent it: every byte is forwarded untouched except the `model` of the `response` object that
/// `response.created`, `response.in_progress` and the final event carry, which becomes the public
/// model name. On the way it notes the final usage, the deltas that carried output (held to the
/// budget's output bound), the last `sequence_number`, and how the stream ended. An `error` or
/// `response.failed` event is dropped: the gateway ends the stream with its own `error` event.
///
/// Only complete events are forwarded; a partial event waits for the rest of its bytes.
struct ResponsesStreamRelay {
    private var events: SSEEventRelay<EventReader>

    /// - Parameters:
    ///   - outputTokenCap: the output tokens a budget reservation covers; a stream that passes
    ///     them is cut.
    ///   - keepsText: whether to keep the text deltas for ``completion``.
    init(publicModel: String, outputTokenCap: Int? = nil, keepsText: Bool = false) {
        self.events = SSEEventRelay(filter: EventReader(publicModel: publicModel, outputCap: outputTokenCap, keepsText: keepsText))
    }

    /// Takes the next upstream bytes and returns what to send the client now (possibly nothing).
    /// - Throws: ``GatewayError`` when the upstream sends something that is not a Responses
    ///   stream, or ``GatewayError/outputCapReached(_:)`` past the output cap.
    mutating func relay(_ chunk: ByteBuffer) throws(GatewayError) -> ByteBuffer {
        try self.events.relay(chunk)
    }
}

extension ResponsesStreamRelay: StreamRelay {
    /// The final response's usage, else one output token per delta so far.
    var usage: Usage? {
        self.events.filter.usage ?? (self.outputEvents > 0 ? Usage(promptTokens: 0, completionTokens: self.outputEvents) : nil)
    }
    var isComplete: Bool { self.events.filter.sawEnd && !self.events.isCarrying }
    var upstreamFailure: GatewayError? { self.events.filter.failure }
    var outputEvents: Int { self.events.filter.outputEvents }
    var isLooping: Bool { false }
    /// A Responses stream continues on no other deployment (a continuation is asked in OpenAI's chat dialect).
    var resumePoint: StreamResumePoint? { nil }
    var completion: [UInt8]? { self.events.filter.text.map { RequestContent.quoted(escaped: $0) } }
    mutating func startContinuation() {}

    /// An `error` event numbered after the last event relayed.
    func errorEvent(_ failure: GatewayError) -> ByteBuffer {
        ByteBuffer(string: ResponsesErrorEvent.event(for: failure, sequenceNumber: self.events.filter.lastSequenceNumber.map { $0 + 1 } ?? 0))
    }
}

/// The `error` event of a Responses API stream.
enum ResponsesErrorEvent {
    static func event(for failure: GatewayError, sequenceNumber: Int) -> String {
        let code = failure.code.map(JSONString.quoted) ?? "null"
        let param = failure.param.map(JSONString.quoted) ?? "null"
        return "event: error\ndata: {\"type\":\"error\",\"code\":\(code),\"message\":\(JSONString.quoted(failure.message)),"
            + "\"param\":\(param),\"sequence_number\":\(sequenceNumber)}\n\n"
    }
}

extension ResponsesStreamRelay {
    /// Reads each event of the stream and decides what the client gets of it.
    fileprivate struct EventReader: SSEEventFilter {
        let publicModel: String
        let outputCap: Int?
        var usage: Usage?
        var failure: GatewayError?
        var outputEvents = 0
        var lastSequenceNumber: Int?
        /// Whether the final event (`response.completed` or `response.incomplete`) came.
        var sawEnd = false
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
            let action = try self.verdict(members, name: name, in: data)
            // The gateway's own error event follows the last event the client got.
            if case .drop = action { return action }
            if let number = members.member("sequence_number").flatMap({ JSONValueReader.integer($0, in: data) }), number >= 0 {
                self.lastSequenceNumber = number
            }
            return action
        }

        /// What the client gets of an event, noting on the way what it tells of the stream.
        private mutating func verdict(_ members: [JSONMember], name: String?, in data: UnsafeRawBufferPointer) throws(GatewayError) -> SSEDataAction {
            switch members.member("type").flatMap({ JSONValueReader.string($0, in: data) }) ?? name {
            case "response.created", "response.in_progress", "response.queued":
                return self.publicModelEdit(members, in: data)
            case "response.completed", "response.incomplete":
                self.sawEnd = true
                if let response = members.member("response"), response.kind == .object {
                    self.usage = JSONScanner.members(of: data, objectAt: response.value).member("usage").flatMap { Usage(responsesUsage: $0, in: data) }
                }
                return self.publicModelEdit(members, in: data)
            case "response.failed":
                let response = members.member("response").map { $0.kind == .object ? JSONScanner.members(of: data, objectAt: $0.value) : [] } ?? []
                self.usage = response.member("usage").flatMap { Usage(responsesUsage: $0, in: data) }
                let error = response.member("error").map { $0.kind == .object ? JSONScanner.members(of: data, objectAt: $0.value) : [] } ?? []
                self.failure = Self.failure(error, in: data)
                return .drop
            case "error":
                self.failure = Self.failure(members, in: data)
                return .drop
            case "response.output_text.delta":
                try self.countOutput(members.member("delta"), keepingText: true, in: data)
            case "response.function_call_arguments.delta", "response.reasoning_summary_text.delta", "response.reasoning_text.delta", "response.refusal.delta":
                try self.countOutput(members.member("delta"), keepingText: false, in: data)
            default:
                break
            }
            return .keep
        }

        /// The edit that puts the public model name in the event's `response`.
        private func publicModelEdit(_ members: [JSONMember], in data: UnsafeRawBufferPointer) -> SSEDataAction {
            guard let response = members.member("response"), response.kind == .object else { return .keep }
            let edits = ModelNameEdit.edits(members: JSONScanner.members(of: data, objectAt: response.value), publicModel: self.publicModel, in: data)
            return edits.isEmpty ? .keep : .edit(edits)
        }

        /// An upstream's failure from the members of its error (`code`, `message`).
        private static func failure(_ error: [JSONMember], in data: UnsafeRawBufferPointer) -> GatewayError {
            let message = error.member("message").flatMap { JSONValueReader.string($0, in: data) } ?? "unspecified upstream error"
            let code = error.member("code").flatMap { JSONValueReader.string($0, in: data) }
            return .upstreamFailed("it sent an error event: \(code.map { "\($0): " } ?? "")\(message.prefix(500))")
        }

        /// Counts a delta that carries output against the cap, and keeps its text when asked to.
        private mutating func countOutput(_ delta: JSONMember?, keepingText: Bool, in data: UnsafeRawBufferPointer) throws(GatewayError) {
            guard let delta, delta.kind == .string, delta.value.count > 2 else { return }
            self.outputEvents += 1
            if let cap = self.outputCap, self.outputEvents > cap { throw GatewayError.outputCapReached(cap) }
            if keepingText, self.text != nil {
                self.text?.append(contentsOf: UnsafeRawBufferPointer(rebasing: data[(delta.value.lowerBound + 1)..<(delta.value.upperBound - 1)]))
            }
        }
    }
}
