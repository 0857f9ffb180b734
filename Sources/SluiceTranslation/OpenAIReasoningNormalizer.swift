/// Puts an OpenAI-compatible server's reasoning in one place for OpenAI clients: the
/// `reasoning_content` member of a message or delta, whether the server sent it there, as
/// `reasoning` (some vLLM and OpenRouter versions), or as `<think>…</think>` inside the content.
/// With ``ReasoningPolicy/strips`` the reasoning is removed instead.
///
/// For streams, feed the upstream's bytes in whatever pieces they arrive; every other member of
/// each chunk is kept as it was.
public struct OpenAIReasoningNormalizer: Sendable {
    private let policy: ReasoningPolicy
    private var events = SSEEventBuffer()
    private var splitter: ReasoningSplitter?

    public init(policy: ReasoningPolicy) {
        self.policy = policy
        self.splitter = policy.makeSplitter()
    }

    /// Normalises a chat completion body.
    public static func normalize(openAIChat body: some Collection<UInt8>, policy: ReasoningPolicy) throws(TranslationError) -> [UInt8] {
        let completion: JSONValue
        do {
            completion = try JSONValue.parseObject(body)
        } catch {
            throw TranslationError.upstreamInvalid("the upstream's completion is not valid JSON (\(error.reason))")
        }
        guard let choices = completion["choices"]?.arrayValue else { return completion.serialized }
        let normalized: [JSONValue] = choices.map { choice in
            guard let message = choice["message"] else { return choice }
            var splitter = policy.makeSplitter()
            let segments = (splitter?.split(message["content"]?.stringValue ?? "") ?? []) + (splitter?.finish() ?? [])
            return choice.setting("message", to: Self.normalized(message, segments: splitter == nil ? nil : segments, policy: policy))
        }
        return completion.setting("choices", to: .array(normalized)).serialized
    }

    /// Takes the next upstream bytes and returns the normalised chunks to send the client now.
    /// - Throws: when the upstream sends an event that is not valid JSON.
    public mutating func normalize(_ bytes: some Collection<UInt8>) throws(TranslationError) -> [UInt8] {
        var output: [UInt8] = []
        var events = self.events
        self.events = SSEEventBuffer()
        defer { self.events = events }
        try events.append(bytes) { data throws(TranslationError) in try self.normalize(event: data, into: &output) }
        return output
    }

    /// Rewrites only the first choice's `delta`; the rest of the chunk is copied as it came.
    private mutating func normalize(event data: UnsafeRawBufferPointer, into output: inout [UInt8]) throws(TranslationError) {
        output.append("data: ")
        let start = output.count
        defer {
            Self.continueDataLines(in: &output, from: start)
            output.append("\n\n")
        }
        guard !data.elementsEqual("[DONE]".utf8) else {
            output.append(data)
            return
        }
        let chunk: JSONObjectSlice
        do {
            chunk = try JSONSlice.validatedObject(data)
        } catch {
            throw TranslationError.upstreamInvalid("the upstream sent a stream event that is not valid JSON (\(error.reason))")
        }
        guard let choice = chunk["choices"]?.firstElementObject, let deltaSlice = choice["delta"], let delta = deltaSlice.object,
            self.splitter != nil || delta["reasoning"] != nil || (self.policy.strips && delta["reasoning_content"] != nil)
        else {
            output.append(data)
            return
        }
        var segments: [ReasoningSplitter.Segment]?
        if var splitter = self.splitter {
            segments = splitter.split(delta["content"]?.string ?? "")
            if choice["finish_reason"] != nil { segments! += splitter.finish() }
            self.splitter = splitter
        }
        output.append(UnsafeRawBufferPointer(rebasing: data[..<deltaSlice.range.lowerBound]))
        Self.normalized(delta.value, segments: segments, policy: self.policy).write(into: &output)
        output.append(UnsafeRawBufferPointer(rebasing: data[deltaSlice.range.upperBound...]))
    }

    /// Starts a `data:` line after each line feed written since `start`. An event the upstream
    /// sent as several `data:` lines has them joined by line feeds (whitespace between its JSON
    /// tokens); copied as they are, a client would read the lines after the first as fields of
    /// their own and get half an object.
    private static func continueDataLines(in output: inout [UInt8], from start: Int) {
        guard output[start...].contains(0x0A) else { return }
        let data = output[start...]
        output.removeSubrange(start...)
        for byte in data {
            output.append(byte)
            if byte == 0x0A { output.append("data: ") }
        }
    }

    /// `message` (or a delta) with its reasoning in `reasoning_content` and its content as
    /// `segments` say, when the content was split.
    private static func normalized(_ message: JSONValue, segments: [ReasoningSplitter.Segment]?, policy: ReasoningPolicy) -> JSONValue {
        guard var members = message.objectMembers else { return message }
        var reasoning = ""
        var sawReasoning = false
        for key in ["reasoning_content", "reasoning"] {
            if let text = message[key]?.stringValue {
                reasoning += text
                sawReasoning = true
            }
        }
        members.removeAll { $0.key == "reasoning_content" || $0.key == "reasoning" }
        if let segments {
            var content = ""
            for segment in segments {
                switch segment {
                case .reasoning(let text):
                    reasoning += text
                    sawReasoning = true
                case .content(let text):
                    content += text
                }
            }
            if let index = members.firstIndex(where: { $0.key == "content" }), members[index].value.stringValue != nil {
                members[index].value = .string(content)
            } else if !content.isEmpty {
                members.append((key: "content", value: .string(content)))
            }
        }
        if sawReasoning && !policy.strips {
            members.append((key: "reasoning_content", value: .string(reasoning)))
        }
        return .object(members)
    }
}
