/// Why bytes could not be read as AWS event-stream messages.
public enum EventStreamError: Error, Sendable, Equatable, CustomStringConvertible {
    case preludeChecksumMismatch
    case messageChecksumMismatch
    case malformed(String)

    public var description: String {
        switch self {
        case .preludeChecksumMismatch: "an event-stream message's prelude failed its CRC32 check"
        case .messageChecksumMismatch: "an event-stream message failed its CRC32 check"
        case .malformed(let detail): "a malformed event-stream message: \(detail)"
        }
    }
}
