import ArgumentParser
import Foundation
import Logging
import SluiceConfig
import SluiceCore
import SluiceServer

/// The options of the commands that work on the governance store named by a config file.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The config file (YAML) whose `store` to use.")
    var config: String

    /// Runs `body` with the store open; config and store problems end the command with a message.
    func withAdmin<Value: Sendable>(_ body: (GovernanceAdmin) async throws -> Value) async throws -> Value {
        let settings: GatewayConfig
        do {
            settings = try ConfigLoader.load(file: self.config)
        } catch {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(2)
        }
        var logger = Logger(label: "sluice")
        logger.logLevel = .warning
        do {
            return try await Governance.withAdmin(settings.governance, logger: logger, body)
        } catch let error as GatewayError {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode.failure
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}

/// Prints rows as aligned columns.
enum TablePrinter {
    static func print(_ header: [String], _ rows: [[String]]) {
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        for row in [header] + rows {
            Swift.print(zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  "))
        }
    }

    static func date(_ seconds: Int64?) -> String {
        guard let seconds else { return "-" }
        return ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}
