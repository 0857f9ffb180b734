import NIOCore

/// Where one client connection stands, and the deadline by which its client must act.
///
/// Every phase in which the gateway waits for the client has a deadline: the request head (from
/// the connection's start or the request's first byte), the body (from the end of the head), and
/// the wait of a kept-alive connection for its next request. While the gateway owes an answer and
/// reads nothing, there is none: the upstream timeouts bound that phase. Time is passed in.
struct ConnectionDeadlines: Sendable {
    enum Reading: Sendable, Equatable {
        /// No request is being read.
        case nothing
        /// Bytes of a request head have come (or the connection is new); the head is incomplete.
        case head(since: NIODeadline)
        /// The head is complete, its body is not.
        case body(since: NIODeadline)
    }

    /// Whether an answer that has been written went out after its request was read in full.
    enum AnsweredRequest: Sendable, Equatable {
        case read
        /// The answer went out before its request was read in full: a refused body, a framing
        /// error, or a request refused before its body was needed.
        case unread
    }

    let headerRead: TimeAmount
    let bodyRead: TimeAmount
    let keepAlive: TimeAmount
    private(set) var reading: Reading
    /// Requests whose head has come and whose answer has not been written in full.
    private(set) var answersOwed = 0
    /// When the connection last became idle: the end of the last answer.
    private var idleSince: NIODeadline

    /// A connection that has just opened: its client owes a request head.
    init(headerRead: TimeAmount, bodyRead: TimeAmount, keepAlive: TimeAmount, openedAt now: NIODeadline) {
        self.headerRead = headerRead
        self.bodyRead = bodyRead
        self.keepAlive = keepAlive
        self.reading = .head(since: now)
        self.idleSince = now
    }

    /// The moment the connection is to be closed unless its client acts; nil while only the gateway owes something.
    var deadline: NIODeadline? {
        switch self.reading {
        case .head(let since): since + self.headerRead
        case .body(let since): since + self.bodyRead
        case .nothing: self.answersOwed > 0 ? nil : self.idleSince + self.keepAlive
        }
    }

    /// Bytes came from the client: the first of them starts a request head.
    mutating func bytesArrived(at now: NIODeadline) {
        if self.reading == .nothing { self.reading = .head(since: now) }
    }

    mutating func headReceived(at now: NIODeadline) {
        self.reading = .body(since: now)
        self.answersOwed += 1
    }

    mutating func endReceived() {
        self.reading = .nothing
    }

    /// The last part of an answer was written.
    mutating func answerFinished(at now: NIODeadline) -> AnsweredRequest {
        // The answer belongs to the oldest request owed one; only when it is the last one owed
        // can the request still being read be its own.
        let ownRequestUnread = self.answersOwed == 0 || (self.answersOwed == 1 && self.isReadingBody)
        self.answersOwed = max(0, self.answersOwed - 1)
        if ownRequestUnread { return .unread }
        if self.answersOwed == 0 { self.idleSince = now }
        return .read
    }

    private var isReadingBody: Bool {
        if case .body = self.reading { return true }
        return false
    }
}
