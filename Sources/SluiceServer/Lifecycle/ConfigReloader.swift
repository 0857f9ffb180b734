import Logging
import SluiceConfig
import SluiceCore

/// Reads the config again and, when it is valid, serves new requests with it; in-flight
/// requests and streams finish on the config they started on. An invalid config is refused
/// with its problems and the running one stays.
struct ConfigReloader: Sendable {
    let active: ActiveRuntime
    let shared: GatewayRuntime.Shared
    /// Where the config comes from; nil when the gateway was not started from a file.
    let source: Gateway.ConfigSource?
    let logger: Logger

    /// What a reload applied.
    struct Outcome: Sendable {
        let models: Int
        /// Changed settings that only a restart applies (config file paths).
        let restartRequired: [String]
    }

    /// - Throws: ``GatewayError`` 409 without a config file, 400 `invalid_config` with the
    ///   problems of an invalid one.
    func reload() throws(GatewayError) -> Outcome {
        guard let source else {
            throw GatewayError(status: 409, type: "invalid_request_error", code: "no_config_file", message: "This gateway was not started from a config file.")
        }
        let loaded: GatewayConfig
        do {
            loaded = try source()
        } catch {
            self.logger.error("config reload refused; the running config stays", metadata: ["problems": "\(error)"])
            throw GatewayError(
                status: 400, type: "invalid_request_error", code: "invalid_config",
                message: "The config is invalid; the running config stays.\n\(error)"
            )
        }
        let applied = self.active.replace { running in
            let (config, restartRequired) = loaded.keepingRestartOnlySettings(of: running.config)
            let next = GatewayRuntime(config: config, shared: self.shared, previous: running)
            return (next, Outcome(models: config.models.count, restartRequired: restartRequired))
        }
        self.logger.notice("config reloaded", metadata: [
            "models": .stringConvertible(applied.models), "restart_required": .string(applied.restartRequired.joined(separator: ",")),
        ])
        return applied
    }
}
