/// Notices generated text stuck in a loop: the last `window` bytes repeating one short pattern
/// (a period of at most `maximumPeriod` bytes), as a model that degenerates does.
public struct RepetitionDetector: Sendable {
    /// How much repeated text counts as a loop.
    public let window: Int
    public let maximumPeriod: Int
    private var tail: [UInt8] = []
    private var sinceCheck = 0
    public private(set) var isLooping = false

    public init(window: Int = 256, maximumPeriod: Int = 64) {
        self.window = window
        self.maximumPeriod = maximumPeriod
        self.tail.reserveCapacity(window * 2)
    }

    /// Adds the next piece of generated text.
    public mutating func append(_ text: some Sequence<UInt8>) {
        guard !self.isLooping else { return }
        for byte in text {
            self.tail.append(byte)
            self.sinceCheck += 1
        }
        if self.tail.count > self.window * 2 { self.tail.removeFirst(self.tail.count - self.window) }
        // Checking every so often is enough; a loop goes on.
        guard self.tail.count >= self.window, self.sinceCheck >= self.maximumPeriod else { return }
        self.sinceCheck = 0
        let start = self.tail.count - self.window
        self.isLooping = (1...self.maximumPeriod).contains { period in
            (start + period..<self.tail.count).allSatisfy { self.tail[$0] == self.tail[$0 - period] }
        }
    }
}
