/// Makes the ids of responses and their output items, shaped like OpenAI's: a prefix (`resp_`,
/// `msg_`, `rs_`, `fc_`) and 48 hex digits.
///
/// Random by default; a seeded instance makes the same ids every run, for tests.
public struct ResponsesIDs: Sendable {
    public static let responsePrefix = "resp_"
    public static let messagePrefix = "msg_"
    public static let reasoningPrefix = "rs_"
    public static let functionCallPrefix = "fc_"
    /// For a tool call whose upstream gave it no id: the client's output must name one.
    public static let callPrefix = "call_"

    /// SplitMix64 state when seeded; nil draws from the system's generator.
    private var state: UInt64?

    /// Ids from the system's random number generator.
    public init() {}

    /// Ids that follow from `seed`, the same on every run.
    public init(seed: UInt64) {
        self.state = seed
    }

    /// A new id with `prefix`.
    public mutating func next(_ prefix: String) -> String {
        var id = prefix
        id.reserveCapacity(prefix.utf8.count + 48)
        for _ in 0..<3 {
            let word = self.nextWord()
            for shift in stride(from: 60, through: 0, by: -4) {
                id.append(Self.hexDigits[Int((word >> UInt64(shift)) & 0xF)])
            }
        }
        return id
    }

    private static let hexDigits = Array("0123456789abcdef")

    private mutating func nextWord() -> UInt64 {
        guard var state = self.state else {
            var generator = SystemRandomNumberGenerator()
            return generator.next()
        }
        state &+= 0x9E37_79B9_7F4A_7C15
        self.state = state
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
