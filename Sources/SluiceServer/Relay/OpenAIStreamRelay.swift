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
    let publicModel: String
    /// Whether the client asked for the final usage chunk (`stream_options.include_usage`).
    let forwardUsageChunk: Bool

    private var carry = ByteBuffer()
    private(set) var usage: Usage?
    private(set) var sawDone = false
    /// The message of an error event the upstream sent mid-stream.
    private(set) var upstreamError: String?
    private var repetition = RepetitionDetector()
    /// The answer so far, when the stream may continue on another deployment.
    private(set) var resumePoint: StreamResumePoint?
    private var isContinuation = false
    /// The output tokens a budget reservation covers; a stream that passes them is cut.
    let outputCap: Int?
    /// Events that carried output (text, reasoning or tool-call arguments): servers send at least
    /// one token per such event, so this is a floor under the output tokens.
    private(set) var outputEvents = 0

    /// Whether the generated text got stuck repeating itself: a 200 from a sick deployment.
    var isLooping: Bool { self.repetition.isLooping }

    /// An event may not grow past this without ending; a stream that does is garbage.
    static let maximumEventBytes = 4 << 20

    init(publicModel: String, forwardUsageChunk: Bool, keepsResumePoint: Bool = false, outputTokenCap: Int? = nil) {
        self.publicModel = publicModel
        self.forwardUsageChunk = forwardUsageChunk
        self.resumePoint = keepsResumePoint ? StreamResumePoint() : nil
        self.outputCap = outputTokenCap
    }

    /// Readies the relay for the stream that continues this one on another deployment.
    mutating func startContinuation() {
        self.carry = ByteBuffer()
        self.sawDone = false
        self.upstreamError = nil
        self.isContinuation = true
    }

    /// Whether the upstream ended the stream properly.
    var isComplete: Bool { self.sawDone && self.carry.readableBytes == 0 }

    /// Takes the next upstream bytes and returns what to send the client now (possibly nothing).
    /// - Throws: only ``GatewayError``, when the upstream sends something that is not an OpenAI stream.
    mutating func relay(_ chunk: ByteBuffer) throws -> ByteBuffer {
        var input = chunk
        if self.carry.readableBytes > 0 {
            self.carry.writeImmutableBuffer(chunk)
            input = self.carry
            self.carry = ByteBuffer()
        }
        var output: ByteBuffer?
        var copied = 0
        var start = 0
        var failure: GatewayError?
        input.withUnsafeReadableBytes { bytes in
            while let (end, next) = SSEFraming.nextEventEnd(in: bytes, from: start) {
                let event = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
                let action: EventAction
                do {
                    action = try self.inspect(event)
                } catch {
                    failure = error as? GatewayError ?? .upstreamFailed("its stream could not be read")
                    return
                }
                if case .keep = action {
                    start = next
                    continue
                }
                var rebuilt = output ?? ByteBufferAllocator().buffer(capacity: bytes.count + 64)
                rebuilt.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[copied..<start]))
                if case .replace(let replacement) = action {
                    rebuilt.writeBytes(replacement)
                }
                output = rebuilt
                copied = next
                start = next
            }
        }
        if let failure { throw failure }
        let completeEnd = start
        if completeEnd < input.readableBytes {
            guard input.readableBytes - completeEnd <= Self.maximumEventBytes else {
                throw GatewayError.upstreamFailed("a stream event exceeded \(Self.maximumEventBytes) bytes")
            }
            self.carry = input.getSlice(at: input.readerIndex + completeEnd, length: input.readableBytes - completeEnd)!
        }
        guard var rebuilt = output else {
            return input.getSlice(at: input.readerIndex, length: completeEnd)!
        }
        rebuilt.writeImmutableBuffer(input.getSlice(at: input.readerIndex + copied, length: completeEnd - copied)!)
        return rebuilt
    }

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

    private enum EventAction {
        case keep
        case drop
        case replace([UInt8])
    }

    private mutating func inspect(_ event: UnsafeRawBufferPointer) throws -> EventAction {
        let fields = SSEFraming.parse(event)
        guard !fields.dataLines.isEmpty else { return .keep }
        if fields.dataLines.count == 1 {
            return try self.inspect(data: UnsafeRawBufferPointer(rebasing: event[fields.dataLines[0]]), name: fields.name)
        }
        let joined = fields.data(in: event)
        return try joined.withUnsafeBytes { data in try self.inspect(data: data, name: fields.name) }
    }

    private mutating func inspect(data: UnsafeRawBufferPointer, name: String?) throws -> EventAction {
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
        replacement += [0x0A, 0x0A]
        return .replace(replacement)
    }
}
