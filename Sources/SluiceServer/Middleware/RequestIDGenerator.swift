import Synchronization

/// Makes request ids that are unique across restarts and cheap to make: a random prefix drawn
/// once per process, then a counter (the system random source costs a syscall per draw).
final class RequestIDGenerator: Sendable {
    private let prefix: String
    private let counter = Atomic<UInt64>(0)

    init() {
        var generator = SystemRandomNumberGenerator()
        self.prefix = "req_" + Self.hex(generator.next() as UInt64)
    }

    func next() -> String {
        self.prefix + Self.hex(self.counter.add(1, ordering: .relaxed).newValue)
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
