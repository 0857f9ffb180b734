import Yams

/// How the built-in mock model behaves.
public struct MockSettings: Sendable, Equatable {
    public var timeToFirstToken: Duration = .zero
    /// Tokens per second after the first; 0 sends them as fast as possible.
    public var tokensPerSecond: Double = 0
    /// Completion length when the request gives no `max_tokens`.
    public var completionTokens = 16
    public var fault: MockFault?

    public init() {}
}

/// A failure the mock injects into a share of its answers.
public struct MockFault: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Answer with this HTTP status and an OpenAI error body.
        case status(Int)
        /// Stop sending after some tokens and keep the connection open.
        case stall(afterTokens: Int)
        /// Close the stream after some tokens without finishing it.
        case cut(afterTokens: Int)
    }

    public var kind: Kind
    /// Share of requests affected, from 0 to 1.
    public var rate: Double

    public init(kind: Kind, rate: Double = 1) {
        self.kind = kind
        self.rate = rate
    }
}

extension MockSettings {
    /// The deployment keys this kind reads.
    static let keys: Set<String> = ["mock"]

    /// The `mock` mapping, or the defaults when the deployment has none.
    static func read(_ entry: DeploymentEntry, reader: inout ConfigReader) -> Self {
        guard let node = entry.members["mock"] else { return Self() }
        return self.read(node, at: "\(entry.path).mock", reader: &reader)
    }

    private static func read(_ node: Node, at path: String, reader: inout ConfigReader) -> Self {
        let members = reader.mapping(node, at: path, allowed: ["time_to_first_token", "tokens_per_second", "completion_tokens", "fault"])
        var settings = Self()
        if let ttft = members["time_to_first_token"].flatMap({ reader.duration($0, at: "\(path).time_to_first_token") }) { settings.timeToFirstToken = ttft }
        if let rate = members["tokens_per_second"].flatMap({ reader.number($0, at: "\(path).tokens_per_second", range: 0...1_000_000) }) {
            settings.tokensPerSecond = rate
        }
        if let count = members["completion_tokens"].flatMap({ reader.integer($0, at: "\(path).completion_tokens", minimum: 1) }) {
            settings.completionTokens = count
        }
        if let faultNode = members["fault"] { settings.fault = MockFault.read(faultNode, at: "\(path).fault", reader: &reader) }
        return settings
    }
}

extension MockFault {
    /// `kind` (status, stall or cut) with its `status` or `after_tokens`, and the `rate`.
    static func read(_ node: Node, at path: String, reader: inout ConfigReader) -> Self? {
        let members = reader.mapping(node, at: path, allowed: ["kind", "status", "after_tokens", "rate"])
        let rate = members["rate"].flatMap { reader.number($0, at: "\(path).rate", range: 0...1) } ?? 1
        let afterTokens = members["after_tokens"].flatMap { reader.integer($0, at: "\(path).after_tokens", minimum: 0) } ?? 0
        guard let kindNode = members["kind"], let kind = reader.string(kindNode, at: "\(path).kind") else {
            reader.report("missing required key 'kind' (status, stall or cut)", at: path, node: node)
            return nil
        }
        switch kind {
        case "status":
            guard let statusNode = members["status"], let status = reader.integer(statusNode, at: "\(path).status", minimum: 400) else {
                if members["status"] == nil { reader.report("a status fault needs 'status' (400-599)", at: path, node: node) }
                return nil
            }
            guard status <= 599 else {
                reader.report("must be an HTTP error status (400-599)", at: "\(path).status", node: statusNode)
                return nil
            }
            return Self(kind: .status(status), rate: rate)
        case "stall": return Self(kind: .stall(afterTokens: afterTokens), rate: rate)
        case "cut": return Self(kind: .cut(afterTokens: afterTokens), rate: rate)
        default:
            reader.report("unknown fault kind '\(kind)' (expected one of: status, stall, cut)", at: "\(path).kind", node: kindNode)
            return nil
        }
    }
}
