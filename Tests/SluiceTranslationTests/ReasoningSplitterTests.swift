import SluiceTranslation
import Testing

@Suite("Reasoning in <think> tags")
struct ReasoningSplitterTests {
    /// Joins adjacent segments of one kind, so different chunkings compare equal.
    private func merged(_ segments: [ReasoningSplitter.Segment]) -> [ReasoningSplitter.Segment] {
        var result: [ReasoningSplitter.Segment] = []
        for segment in segments {
            switch (result.last, segment) {
            case (.reasoning(let a)?, .reasoning(let b)): result[result.count - 1] = .reasoning(a + b)
            case (.content(let a)?, .content(let b)): result[result.count - 1] = .content(a + b)
            default: result.append(segment)
            }
        }
        return result
    }

    private func split(_ chunks: [String], startsInside: Bool = false) -> [ReasoningSplitter.Segment] {
        var splitter = ReasoningSplitter(startsInsideReasoning: startsInside)
        return self.merged(chunks.flatMap { splitter.split($0) } + splitter.finish())
    }

    @Test func tagsSplitAtEveryPositionGiveTheSameSegments() {
        let text = "<think>Plan: a < b, so 2 steps.</think>\n\nThe answer is <b>42</b>. <thin"
        let expected: [ReasoningSplitter.Segment] = [.reasoning("Plan: a < b, so 2 steps."), .content("\n\nThe answer is <b>42</b>. <thin")]
        #expect(self.split([text]) == expected)
        let characters = Array(text)
        for cut in 0...characters.count {
            #expect(self.split([String(characters[..<cut]), String(characters[cut...])]) == expected, "cut at \(cut)")
            for second in cut...characters.count {
                let pieces = [String(characters[..<cut]), String(characters[cut..<second]), String(characters[second...])]
                #expect(self.split(pieces) == expected, "cuts at \(cut), \(second)")
            }
        }
        #expect(self.split(characters.map { String($0) }) == expected)
    }

    @Test func heldBackPrefixIsReleasedOnlyWhenDecided() {
        var splitter = ReasoningSplitter()
        #expect(splitter.split("Hello <th") == [.content("Hello ")])
        #expect(splitter.split("ink>x") == [.reasoning("x")])
        #expect(splitter.isInsideReasoning)
        #expect(splitter.split("</") == [])
        #expect(splitter.split("b>") == [.reasoning("</b>")])
    }

    @Test func outputThatStartsInsideReasoningOnlyCloses() {
        #expect(self.split(["I think", "</think>Done"], startsInside: true) == [.reasoning("I think"), .content("Done")])
    }

    @Test func severalSectionsAlternate() {
        #expect(self.split(["<think>a</think>b<think>c</think>d"]) == [.reasoning("a"), .content("b"), .reasoning("c"), .content("d")])
    }
}
