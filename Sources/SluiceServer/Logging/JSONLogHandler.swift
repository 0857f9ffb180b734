import Foundation
import Logging
import SluiceCore

/// Writes one JSON object per log line to standard error: time, level, message, and every
/// metadata value (the request id among them) as a top-level field.
///
/// swift-log ships only a plain-text handler, and no listed package formats JSON lines.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    let label: String

    public init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = #"{"time":"\#(LogTimestamp.now())","level":"\#(event.level.rawValue)","message":"#
        line += JSONString.quoted(event.message.description)
        var merged = self.metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            line += "," + JSONString.quoted(key) + ":" + Self.render(value)
        }
        line += "}\n"
        LogOutput.write(line)
    }

    static func render(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): JSONString.quoted(text)
        case .stringConvertible(let convertible):
            switch convertible {
            case let number as any BinaryInteger: "\(number)"
            case let number as Double where number.isFinite: "\(number)"
            case let flag as Bool: "\(flag)"
            default: JSONString.quoted(convertible.description)
            }
        case .array(let values): "[" + values.map(Self.render).joined(separator: ",") + "]"
        case .dictionary(let values): "{" + values.sorted { $0.key < $1.key }.map { JSONString.quoted($0.key) + ":" + Self.render($0.value) }.joined(separator: ",") + "}"
        }
    }
}

/// Writes a text line per event: time, level, message, then `key=value` metadata.
public struct TextLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level

    public init(level: Logger.Level) {
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = self.metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        LogOutput.write("\(LogTimestamp.now()) \(event.level.rawValue) \(event.message)\(fields.isEmpty ? "" : " " + fields)\n")
    }
}

/// UTC timestamps with milliseconds, formatted without Foundation's slower date formatters.
enum LogTimestamp {
    static func now() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return self.format(seconds: spec.tv_sec, milliseconds: spec.tv_nsec / 1_000_000)
    }

    /// The time `micros` microseconds after 1970 UTC.
    static func format(micros: Int64) -> String {
        self.format(seconds: time_t(micros / 1_000_000), milliseconds: Int(micros % 1_000_000) / 1000)
    }

    private static func format(seconds: time_t, milliseconds: Int) -> String {
        var seconds = seconds
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
            parts.tm_hour, parts.tm_min, parts.tm_sec, milliseconds
        )
    }
}

/// Standard error, one `write(2)` per line so concurrent lines never interleave.
enum LogOutput {
    static func write(_ line: String) {
        var line = line
        line.withUTF8 { bytes in
            _ = Foundation.write(STDERR_FILENO, bytes.baseAddress, bytes.count)
        }
    }
}
