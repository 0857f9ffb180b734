/// One message of an AWS event stream (`application/vnd.amazon.eventstream`): typed headers
/// and a payload, which for Bedrock's ConverseStream is a JSON object.
public struct EventStreamMessage: Sendable, Equatable {
    /// A header value, in the types the event-stream encoding defines.
    public enum HeaderValue: Sendable, Equatable {
        case bool(Bool)
        case byte(Int8)
        case short(Int16)
        case integer(Int32)
        case long(Int64)
        case bytes([UInt8])
        case string(String)
        /// Milliseconds since the Unix epoch.
        case timestamp(Int64)
        case uuid([UInt8])
    }

    public var headers: [String: HeaderValue]
    public var payload: [UInt8]

    public init(headers: [String: HeaderValue], payload: [UInt8]) {
        self.headers = headers
        self.payload = payload
    }

    /// `event` for an event, `exception` or `error` for a failure.
    public var messageType: String? { self.string(":message-type") }
    /// The event's name, such as `contentBlockDelta` or `messageStop`.
    public var eventType: String? { self.string(":event-type") }
    /// The exception's name, such as `throttlingException` or `modelStreamErrorException`.
    public var exceptionType: String? { self.string(":exception-type") }

    private func string(_ name: String) -> String? {
        if case .string(let value) = self.headers[name] { return value }
        return nil
    }
}
