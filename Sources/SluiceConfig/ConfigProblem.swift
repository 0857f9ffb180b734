/// One thing wrong with a config file, with its place in the file.
public struct ConfigProblem: Sendable, Equatable, CustomStringConvertible {
    /// The member path, such as `models[0].deployments[1].base_url`.
    public var path: String
    /// One-based line and column; nil when the problem has no single place (a missing section).
    public var line: Int?
    public var column: Int?
    public var message: String

    public init(path: String, line: Int?, column: Int?, message: String) {
        self.path = path
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        let place = self.line.map { line in "\(line):\(self.column ?? 1): " } ?? ""
        return self.path.isEmpty ? "\(place)\(self.message)" : "\(place)\(self.path): \(self.message)"
    }
}

/// A config that cannot be used, with every problem found in it.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var problems: [ConfigProblem]

    public init(file: String, problems: [ConfigProblem]) {
        self.file = file
        self.problems = problems
    }

    public var description: String {
        self.problems.map { "\(self.file):\($0)" }.joined(separator: "\n")
    }
}
