import ArgumentParser
import SluiceConfig
import SluiceServer

/// `sluice check-config`: validates a config file and lists every problem with its place.
struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a config file and print every problem with its line and column."
    )

    @Argument(help: "The config file (YAML).")
    var file: String

    func run() throws {
        do {
            let config = try ConfigLoader.load(file: self.file)
            let deployments = config.models.reduce(0) { $0 + $1.deployments.count }
            print("\(self.file): OK (\(config.models.count) models, \(deployments) deployments, \(config.clientKeys.count) client keys)")
            for line in Gateway.pipelineOutline(config) { print("  \(line)") }
        } catch {
            for problem in error.problems { print("\(self.file):\(problem)") }
            print("\(error.problems.count) problem\(error.problems.count == 1 ? "" : "s") found")
            throw ExitCode.failure
        }
    }
}
