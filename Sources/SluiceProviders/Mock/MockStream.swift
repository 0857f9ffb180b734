import NIOCore
import SluiceConfig

/// The mock's SSE answer, paced like a real model: the first token after the configured time to
/// first token, then one token per `1 / tokens_per_second`, with an optional stall or cut.
struct MockStream: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let answer: MockAnswer
    let settings: MockSettings
    let fault: MockFault.Kind?

    struct AsyncIterator: AsyncIteratorProtocol {
        let answer: MockAnswer
        let settings: MockSettings
        let fault: MockFault.Kind?
        let start = ContinuousClock.now
        var next = 0
        var finished = false

        mutating func next() async throws -> ByteBuffer? {
            guard !self.finished else { return nil }
            switch self.fault {
            case .stall(let afterTokens) where self.next >= afterTokens:
                try await Task.sleep(for: .seconds(86_400 * 365))
            case .cut(let afterTokens) where self.next >= afterTokens:
                self.finished = true
                return nil
            default:
                break
            }
            try await Task.sleep(until: self.dueTime(of: self.next), clock: .continuous)
            guard self.next < self.answer.tokens.count else {
                self.finished = true
                return ByteBuffer(string: self.answer.closingEvents)
            }
            defer { self.next += 1 }
            return ByteBuffer(string: self.answer.tokenEvent(self.next))
        }

        private func dueTime(of index: Int) -> ContinuousClock.Instant {
            let first = self.start + self.settings.timeToFirstToken
            guard index > 0, self.settings.tokensPerSecond > 0 else { return first }
            let gap = Duration.seconds(Double(Swift.min(index, self.answer.tokens.count - 1)) / self.settings.tokensPerSecond)
            return first + gap
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(answer: self.answer, settings: self.settings, fault: self.fault)
    }
}
