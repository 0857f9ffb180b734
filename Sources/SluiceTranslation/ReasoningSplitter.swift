/// Separates `<think>…</think>` reasoning from the answer in generated text (the Qwen and
/// DeepSeek-R1 convention), chunk by chunk.
///
/// A tag may arrive split across chunks (`<th` then `ink>`); the bytes that could still begin a
/// tag are held back until the next chunk decides them, so neither side ever sees part of a tag.
public struct ReasoningSplitter: Sendable {
    /// One run of text, in order of generation.
    public enum Segment: Sendable, Equatable {
        case reasoning(String)
        case content(String)
    }

    private static let openTag = Array("<think>".utf8)
    private static let closeTag = Array("</think>".utf8)

    /// Whether the text seen so far ended inside a `<think>` section.
    public private(set) var isInsideReasoning: Bool
    /// The bytes at the end of the last chunk that could be the start of a tag.
    private var heldBack: [UInt8] = []

    /// - Parameter startsInsideReasoning: true for models whose chat template already opened the
    ///   `<think>` section in the prompt, so the output only closes it.
    public init(startsInsideReasoning: Bool = false) {
        self.isInsideReasoning = startsInsideReasoning
    }

    /// Splits the next chunk of generated text.
    public mutating func split(_ text: String) -> [Segment] {
        var segments: [Segment] = []
        var bytes = self.heldBack
        bytes.append(contentsOf: text.utf8)
        self.heldBack.removeAll(keepingCapacity: true)
        var runStart = 0
        var index = 0
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "<") else {
                index += 1
                continue
            }
            let tag = self.isInsideReasoning ? Self.closeTag : Self.openTag
            let available = min(tag.count, bytes.count - index)
            guard bytes[index..<(index + available)].elementsEqual(tag[0..<available]) else {
                index += 1
                continue
            }
            self.append(bytes[runStart..<index], to: &segments)
            if available < tag.count {
                self.heldBack = Array(bytes[index...])
                return segments
            }
            self.isInsideReasoning.toggle()
            index += tag.count
            runStart = index
        }
        self.append(bytes[runStart...], to: &segments)
        return segments
    }

    /// Releases text held back at the end of the stream: a partial tag that never completed.
    public mutating func finish() -> [Segment] {
        var segments: [Segment] = []
        self.append(self.heldBack[...], to: &segments)
        self.heldBack.removeAll()
        return segments
    }

    private func append(_ run: ArraySlice<UInt8>, to segments: inout [Segment]) {
        guard !run.isEmpty else { return }
        let text = String(decoding: run, as: UTF8.self)
        segments.append(self.isInsideReasoning ? .reasoning(text) : .content(text))
    }
}
