import ArgumentParser
import Foundation
import Logging
import SluiceConfig
import SluiceProviders
import SluiceServer

/// `sluice serve`: runs the gateway until SIGTERM or SIGINT, then drains.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the gateway.")

    @Option(name: .long, help: "The config file (YAML).")
    var config: String

    @Option(name: .long, help: "Listen on this address instead of the config's server.host.")
    var host: String?

    @Option(name: .long, help: "Listen on this port instead of the config's server.port.")
    var port: Int?

    func run() async throws {
        let settings: GatewayConfig
        do {
            settings = try self.loadConfig()
        } catch {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(2)
        }

        let level = Logger.Level(rawValue: settings.log.level.rawValue) ?? .info
        let format = settings.log.format
        LoggingSystem.bootstrap { label in
            switch format {
            case .json: JSONLogHandler(label: label, level: level)
            case .text: TextLogHandler(level: level)
            }
        }
        let logger = Logger(label: "sluice")
        let governance: Governance?
        do {
            governance = try await Governance.open(settings.governance, logger: logger)
        } catch {
            logger.critical("cannot open the governance store", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
        let client = Gateway.makeHTTPClient(settings)
        let gateway: Gateway
        do {
            gateway = try Gateway(
                config: settings, httpClient: client, governance: governance, created: Int(Date().timeIntervalSince1970), configSource: self.loadConfig
            )
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            await client.shutdown()
            await governance?.close()
            throw ExitCode(1)
        }
        // Every connection, client or upstream, takes a file descriptor; the usual soft limit of
        // 1,024 would cap the gateway at a few hundred streaming clients.
        let openFiles = OpenFileLimit.raiseToHardLimit()
        logger.info(
            "starting",
            metadata: [
                "host": .string(settings.server.host), "port": .stringConvertible(settings.server.port), "models": .stringConvertible(settings.models.count),
                "open_files_limit": .string(openFiles.map { String($0.soft) } ?? "unknown"),
                "tls": .stringConvertible(settings.server.tls != nil),
            ]
        )
        var failure: (any Error)?
        do {
            try await gateway.serviceGroup(logger: logger, handleSignals: true).run()
        } catch {
            failure = error
        }
        await client.shutdown()
        await governance?.close()
        guard let failure else { return logger.info("stopped") }
        logger.critical("stopped with an error", metadata: ["error": "\(failure)"])
        // Exit with the gateway still referenced: a span exporter whose service never ran would
        // otherwise shut its HTTP client down in its deinit, on an event loop, which traps.
        withExtendedLifetime(gateway) { Foundation.exit(1) }
    }

    /// The config file with the command line's overrides; read again on every reload.
    @Sendable private func loadConfig() throws(ConfigError) -> GatewayConfig {
        var settings = try ConfigLoader.load(file: self.config)
        if let host = self.host { settings.server.host = host }
        if let port = self.port { settings.server.port = port }
        return settings
    }
}
