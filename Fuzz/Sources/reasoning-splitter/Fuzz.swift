import FuzzSupport
import SluiceTranslation

/// The `<think>…</think>` splitter (`ReasoningSplitter`), which sees generated text in whatever
/// pieces a stream delivers it.
///
/// Asserts, starting outside and inside a reasoning section:
/// - the text arriving in pieces (cut anywhere between Unicode scalars, so inside tags too)
///   splits into the same reasoning and content, run for run, as arriving whole;
/// - no content holds a whole `<think>` and no reasoning a whole `</think>`: a tag is never
///   passed on as text where it would have switched sides.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: bytes(data, size), as: UTF8.self)
    let scalars = Array(text.unicodeScalars)
    var chunks: [String] = []
    var start = 0
    for piece in pieces(of: Array(text.utf8)) where start < scalars.count {
        let end = min(scalars.count, start + piece.count)
        var chunk = ""
        chunk.unicodeScalars.append(contentsOf: scalars[start..<end])
        chunks.append(chunk)
        start = end
    }
    for startsInside in [false, true] {
        let whole = runs(of: [text], startsInside: startsInside)
        let split = runs(of: chunks, startsInside: startsInside)
        check(whole == split, "pieces \(chunks) split into \(split), the whole text into \(whole)")
        for segment in whole {
            switch segment {
            case .content(let content): check(!content.contains("<think>"), "content holds an opening tag: \(content)")
            case .reasoning(let reasoning): check(!reasoning.contains("</think>"), "reasoning holds a closing tag: \(reasoning)")
            }
        }
    }
    return 0
}

/// The segments `chunks` give, adjacent ones of the same side joined.
private func runs(of chunks: [String], startsInside: Bool) -> [ReasoningSplitter.Segment] {
    var splitter = ReasoningSplitter(startsInsideReasoning: startsInside)
    var segments = chunks.flatMap { splitter.split($0) }
    segments += splitter.finish()
    var joined: [ReasoningSplitter.Segment] = []
    for segment in segments {
        switch (joined.last, segment) {
        case (.content(let a)?, .content(let b)): joined[joined.count - 1] = .content(a + b)
        case (.reasoning(let a)?, .reasoning(let b)): joined[joined.count - 1] = .reasoning(a + b)
        default: joined.append(segment)
        }
    }
    return joined
}
