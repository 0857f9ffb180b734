import Yams

/// Walks a composed YAML tree, reading typed values and collecting every problem with its place,
/// so that one run of `check-config` reports all of them.
///
/// Yams' `Decodable` support neither rejects unknown keys nor keeps positions, hence this reader.
struct ConfigReader {
    private(set) var problems: [ConfigProblem] = []
    let environment: [String: String]

    init(environment: [String: String]) {
        self.environment = environment
    }

    mutating func report(_ message: String, at path: String, node: Node?) {
        let mark = node?.mark
        self.problems.append(ConfigProblem(path: path, line: mark?.line, column: mark?.column, message: message))
    }

    /// The members of a mapping, reporting keys outside `allowed`.
    mutating func mapping(_ node: Node, at path: String, allowed: Set<String>) -> [String: Node] {
        guard case .mapping(let mapping) = node else {
            self.report("expected a mapping", at: path, node: node)
            return [:]
        }
        var members: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string else {
                self.report("keys must be plain strings", at: path, node: key)
                continue
            }
            let memberPath = path.isEmpty ? name : "\(path).\(name)"
            guard allowed.contains(name) else {
                self.report("unknown key '\(name)' (expected one of: \(allowed.sorted().joined(separator: ", ")))", at: memberPath, node: key)
                continue
            }
            members[name] = value
        }
        return members
    }

    mutating func sequence(_ node: Node, at path: String) -> [Node] {
        guard case .sequence(let sequence) = node else {
            self.report("expected a list", at: path, node: node)
            return []
        }
        return Array(sequence)
    }

    /// A string scalar with `${NAME}` and `${NAME:-default}` expanded from the environment.
    /// `secret` keeps the value out of every message.
    mutating func string(_ node: Node, at path: String, secret: Bool = false) -> String? {
        guard case .scalar(let scalar) = node else {
            self.report("expected a string", at: path, node: node)
            return nil
        }
        return self.expand(scalar.string, at: path, node: node, secret: secret)
    }

    mutating func integer(_ node: Node, at path: String, minimum: Int) -> Int? {
        guard let text = self.string(node, at: path), let value = Int(text.trimmingSpaces()) else {
            self.report("expected an integer", at: path, node: node)
            return nil
        }
        guard value >= minimum else {
            self.report("must be at least \(minimum), got \(value)", at: path, node: node)
            return nil
        }
        return value
    }

    mutating func number(_ node: Node, at path: String, range: ClosedRange<Double>) -> Double? {
        guard let text = self.string(node, at: path), let value = Double(text.trimmingSpaces()), value.isFinite else {
            self.report("expected a number", at: path, node: node)
            return nil
        }
        guard range.contains(value) else {
            let upper = range.upperBound == .greatestFiniteMagnitude ? "" : " and at most \(range.upperBound)"
            let message = value < 0 && range.lowerBound >= 0 ? "must not be negative, got \(value)" : "must be at least \(range.lowerBound)\(upper), got \(value)"
            self.report(message, at: path, node: node)
            return nil
        }
        return value
    }

    mutating func boolean(_ node: Node, at path: String) -> Bool? {
        guard let text = self.string(node, at: path) else { return nil }
        switch text.trimmingSpaces() {
        case "true": return true
        case "false": return false
        default:
            self.report("expected true or false, got '\(text)'", at: path, node: node)
            return nil
        }
    }

    mutating func duration(_ node: Node, at path: String) -> Duration? {
        guard let text = self.string(node, at: path) else { return nil }
        guard let value = ConfigValueParsing.duration(text) else {
            self.report("expected a duration such as 500ms, 30s or 5m, got '\(text)'", at: path, node: node)
            return nil
        }
        return value
    }

    /// A duration that must be greater than zero (a timeout, an interval).
    mutating func positiveDuration(_ node: Node, at path: String) -> Duration? {
        guard let value = self.duration(node, at: path) else { return nil }
        guard value > .zero else {
            self.report("must be greater than zero", at: path, node: node)
            return nil
        }
        return value
    }

    mutating func byteSize(_ node: Node, at path: String) -> Int? {
        guard let text = self.string(node, at: path) else { return nil }
        guard let value = ConfigValueParsing.byteSize(text), value > 0 else {
            self.report("expected a positive size such as 4MiB or 1048576, got '\(text)'", at: path, node: node)
            return nil
        }
        return value
    }

    mutating func choice<Choice: RawRepresentable & CaseIterable>(_ node: Node, at path: String, as type: Choice.Type) -> Choice?
    where Choice.RawValue == String {
        guard let text = self.string(node, at: path) else { return nil }
        guard let value = Choice(rawValue: text) else {
            let allowed = Choice.allCases.map(\.rawValue).joined(separator: ", ")
            self.report("unknown value '\(text)' (expected one of: \(allowed))", at: path, node: node)
            return nil
        }
        return value
    }

    private mutating func expand(_ text: String, at path: String, node: Node, secret: Bool) -> String? {
        guard text.contains("${") else { return text }
        var result = ""
        var rest = Substring(text)
        var complete = true
        while let open = rest.range(of: "${") {
            result += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                self.report("unterminated '${' in a value", at: path, node: node)
                return nil
            }
            let reference = rest[open.upperBound..<close]
            let parts = reference.split(separator: ":-", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            if let value = self.environment[name] {
                result += value
            } else if parts.count == 2 {
                result += parts[1]
            } else {
                let what = secret ? "the secret" : "the value"
                self.report("environment variable \(name) is not set (\(what) refers to ${\(name)})", at: path, node: node)
                complete = false
            }
            rest = rest[rest.index(after: close)...]
        }
        result += rest
        return complete ? result : nil
    }
}
