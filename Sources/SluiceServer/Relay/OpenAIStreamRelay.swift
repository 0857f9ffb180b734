import NIOCore
import SluiceCore

/// Relays an OpenAI-dialect SSE stream event by event: forwards untouched bytes as they are,
/// rewrites the model name when it differs, drops the usage chunk the client did not ask for,
/// and notes usage, upstream error events, text stuck in a loop, and whether the stream
/// finished with `[DONE]`. With a ``StreamResumePoint`` it also keeps the answer so far, and after
/// ``startContinuation()`` relays a continued stream as the rest of the first: same `id`, no
/// second role announcement.
///
/// Only complete events are forwarded; a partial event waits for the rest of its bytes.
struct OpenAIStreamRelay {
    private var events: SSEEventRelay<EventReader>

    init(publicModel: String, forwardUsageChunk: Bool, keepsResumePoint: Bool = false, outputTokenCap: Int? = nil) {
        self.events = SSEEventRelay(filter: EventReader(
            publicModel: publicModel, forwardUsageChunk: forwardUsageChunk, resumePoint: keepsResumePoint ? StreamResumePoint() : nil,
            outputCap: outputTokenCap
        ))
    }

    /// An event may not grow past this without ending; a stream that does is garbage.
    static var maximumEventBytes: Int { SSEEventRelay<EventReader>.maximumEventBytes }

    var usage: Usage? { self.events.filter.usage }
    /// The message of an error event the upstream sent mid-stream.
    var upstreamError: String? { self.events.filter.upstreamError }
    /// The answer so far, when the stream may continue on another deployment.
    var resumePoint: StreamResumePoint? { self.events.filter.resumePoint }
    /// The output tokens a budget reservation covers; a stream that passes them is cut.
    var outputCap: Int? { self.events.filter.outputCap }
    /// Events that carried output (text, reasoning or tool-call arguments): servers send at least
    /// one token per such event, so this is a floor under the output tokens.
    var outputEvents: Int { self.events.filter.outputEvents }
    /// Whether the generated text got stuck repeating itself: a 200 from a sick deployment.
    var isLooping: Bool { self.events.filter.repetition.isLooping }
    /// Whether the upstream ended the stream properly.
    var isComplete: Bool { self.events.filter.sawDone && !self.events.isCarrying }

    /// Readies the relay for the stream that continues this one on another deployment.
    mutating func startContinuation() {
        self.events.dropCarried()
        self.events.filter.sawDone = false
        self.events.filter.upstreamError = nil
        self.events.filter.isContinuation = true
    }

    /// Takes the next upstream bytes and returns what to send the client now (possibly nothing).
    /// - Throws: only ``GatewayError``, when the upstream sends something that is not an OpenAI stream.
    mutating func relay(_ chunk: ByteBuffer) throws(GatewayError) -> ByteBuffer {
        try self.events.relay(chunk)
    }
}

extension OpenAIStreamRelay {
    /// Reads each event of the stream and decides what the client gets of it.
    fileprivate struct EventReader: SSEEventFilter {
        let publicModel: String
        /// Whether the client asked for the final usage chunk (`stream_options.include_usage`).
        let forwardUsageChunk: Bool
        var resumePoint: StreamResumePoint?
        let outputCap: Int?
        var usage: Usage?
        var sawDone = false
        var upstreamError: String?
        var repetition = RepetitionDetector()
        var isContinuation = false
        var outputEvents = 0

        /// Feeds the first choice's text (`delta.content` for chat, `text` for completions) to the
        /// repetition detector.
        private mutating func noteGeneratedText(_ members: [JSONMember], in data: UnsafeRawBufferPointer) {
            guard let choices = members.member("choices"), choices.kind == .array,
                let first = JSONScanner.elements(of: data, arrayAt: choices.value).first, data[first.lowerBound] == UInt8(ascii: "{")
            else { return }
            let choice = JSONScanner.members(of: data, objectAt: first)
            var text = choice.member("text")
            if let delta = choice.member("delta"), delta.kind == .object {
                text = JSONScanner.members(of: data, objectAt: delta.value).member("content")
            }
            guard let text, text.kind == .string, text.value.count > 2 else { return }
            self.repetition.append(UnsafeRawBufferPointer(rebasing: data[(text.value.lowerBound + 1)..<(text.value.upperBound - 1)]))
        }

        /// Whether any choice of the event carries generated output.
        private static func carriesOutput(_ members: [JSONMember], in data: UnsafeRawBufferPointer) -> Bool {
            guard let choices = members.member("choices"), choices.kind == .array else { return false }
            for element in JSONScanner.elements(of: data, arrayAt: choices.value) where data[element.lowerBound] == UInt8(ascii: "{") {
                var choice = JSONScanner.members(of: data, objectAt: element)
                if let delta = choice.member("delta"), delta.kind == .object { choice = JSONScanner.members(of: data, objectAt: delta.value) }
                for key in ["content", "text", "reasoning_content", "reasoning"] {
                    if let member = choice.member(key), member.kind == .string, member.value.count > 2 { return true }
                }
                if let calls = choice.member("tool_calls"), calls.kind == .array, !JSONScanner.elements(of: data, arrayAt: calls.value).isEmpty { return true }
            }
            return false
        }

        mutating func filter(_ event: UnsafeRawBufferPointer) throws(GatewayError) -> SSEEventAction {
            let fields = SSEFraming.parse(event)
            guard !fields.dataLines.isEmpty else { return .keep }
            if fields.dataLines.count == 1 {
                return try self.inspect(data: UnsafeRawBufferPointer(rebasing: event[fields.dataLines[0]]), name: fields.name)
            }
            let joined = fields.data(in: event)
            return try joined.withUnsafeBytes { data in Result { () throws(GatewayError) in try self.inspect(data: data, name: fields.name) } }.get()
        }

        private mutating func inspect(data: UnsafeRawBufferPointer, name: String?) throws(GatewayError) -> SSEEventAction {
            if data.elementsEqual("[DONE]".utf8) {
                self.sawDone = true
                return .keep
            }
            let members: [JSONMember]
            do throws(JSONSyntaxError) {
                members = try JSONScanner.topLevelMembers(of: data)
            } catch {
                throw GatewayError.upstreamFailed("it sent a stream event that is not valid JSON (\(error.reason))")
            }
            if let error = members.member("error") {
                let fields = error.kind == .object ? JSONScanner.members(of: data, objectAt: error.value) : []
                self.upstreamError = fields.member("message").flatMap { JSONValueReader.string($0, in: data) } ?? "unspecified upstream error"
                // The gateway ends the stream with an error event of its own, unless another
                // deployment continues the answer.
                return .drop
            }
            if let usageMember = members.member("usage"), let usage = Usage(openAIUsage: usageMember, in: data) {
                self.usage = usage
                let choices = members.member("choices")
                let isUsageOnly = choices.map { $0.kind == .array && JSONScanner.elements(of: data, arrayAt: $0.value).isEmpty } ?? true
                if isUsageOnly && !self.forwardUsageChunk { return .drop }
            }
            if let cap = self.outputCap, Self.carriesOutput(members, in: data) {
                self.outputEvents += 1
                guard self.outputEvents <= cap else { throw GatewayError.outputCapReached(cap) }
            }
            if !self.repetition.isLooping { self.noteGeneratedText(members, in: data) }
            let announcesRole = self.resumePoint?.note(members, in: data) ?? false
            if announcesRole && self.isContinuation { return .drop }
            var edits = ModelNameEdit.edits(members: members, publicModel: self.publicModel, in: data)
            if self.isContinuation, let id = self.resumePoint?.streamID, let member = members.member("id"),
                !JSONValueReader.bytes(data, in: member.value, equal: id)
            {
                edits.append(BodyEdit(range: member.value, replacement: id))
                edits.sort { $0.range.lowerBound < $1.range.lowerBound }
            }
            guard !edits.isEmpty else { return .keep }
            var replacement = Array((name.map { "event: \($0)\n" } ?? "").utf8) + Array("data: ".utf8)
            replacement += BodyEdit.apply(edits, to: data)
            return .replace(replacement)
        }
    }
}
