/// Parsers for the human-friendly scalars of the config file.
enum ConfigValueParsing {
    /// `250ms`, `5s`, `2m`, `1h`, `30d`, or a bare number of seconds.
    static func duration(_ text: String) -> Duration? {
        let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        let trimmed = text.trimmingSpaces()
        for unit in units where trimmed.hasSuffix(unit.suffix) {
            guard let number = Double(trimmed.dropLast(unit.suffix.count)) else { return nil }
            return self.milliseconds(number * unit.seconds * 1000)
        }
        return Double(trimmed).flatMap { self.milliseconds($0 * 1000) }
    }

    /// A whole number of milliseconds; nil for a negative one or one too large for a `Duration`.
    private static func milliseconds(_ value: Double) -> Duration? {
        let rounded = value.rounded()
        guard rounded >= 0, rounded < Double(Int64.max) else { return nil }
        return .milliseconds(Int64(rounded))
    }

    /// `1048576`, `512KiB`, `4MiB`, `1GiB` (or the decimal `KB`, `MB`, `GB`).
    static func byteSize(_ text: String) -> Int? {
        let units: [(suffix: String, factor: Int)] = [
            ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("B", 1),
        ]
        let trimmed = text.trimmingSpaces()
        for unit in units where trimmed.hasSuffix(unit.suffix) {
            guard let number = Int(trimmed.dropLast(unit.suffix.count).trimmingSpaces()), number >= 0 else { return nil }
            return number.multipliedReportingOverflow(by: unit.factor).overflow ? nil : number * unit.factor
        }
        return Int(trimmed).flatMap { $0 >= 0 ? $0 : nil }
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        String(self.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
