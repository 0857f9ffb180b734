/// The audit log: one JSON line per finished request (who, which model and deployment, tokens,
/// cost, status, latency, request and trace ids), written to a file of its own.
public struct AuditSettings: Sendable, Equatable {
    /// The file lines are appended to (created with mode 0600); nil keeps no audit log.
    public var path: String?
    /// Also records the prompt (the request's `messages`, `prompt` or `input`) and the answer's text.
    public var includeContent = false
    /// How often buffered lines are written.
    public var flushInterval: Duration = .milliseconds(200)

    public init() {}
}
