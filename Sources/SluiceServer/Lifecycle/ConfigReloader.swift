import Foundation
import Logging
import NIOSSL
import SluiceConfig
import SluiceCore

/// Reads the config again and, when it is valid, serves new requests with it; in-flight
/// requests and streams finish on the config they started on. An invalid config is refused
/// with its problems and the running one stays.
///
/// The listener's certificate and key are part of the config: a reload that reads new ones (a
/// certificate renewed in place, say) serves new connections with them, and connections already
/// open keep theirs. Broken files are a config problem like any other, so the running certificate stays.
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
        let certificate = try self.listenerCertificate(of: loaded)
        let applied = self.active.replace { running in
            let (config, restartRequired) = loaded.keepingRestartOnlySettings(of: running.config)
            if let certificate { self.shared.listenerTLS?.install(certificate) }
            let next = GatewayRuntime(config: config, shared: self.shared, previous: running)
            return (next, Outcome(models: config.models.count, restartRequired: restartRequired))
        }
        if let certificate { self.logger.notice("listener certificate replaced", metadata: Self.describe(certificate.settings)) }
        self.logger.notice("config reloaded", metadata: [
            "models": .stringConvertible(applied.models), "restart_required": .string(applied.restartRequired.joined(separator: ",")),
        ])
        return applied
    }

    /// The listener's new certificate and its context when `loaded` names other certificate,
    /// key or client CA files (or the same files with new contents); nil when nothing changed
    /// or the listener has no TLS (turning it on takes a restart).
    /// - Throws: ``GatewayError`` 400 `invalid_config` when no context can be built from them.
    private func listenerCertificate(of loaded: GatewayConfig) throws(GatewayError) -> (settings: ServerTLS, context: NIOSSLContext)? {
        guard let listener = self.shared.listenerTLS, let settings = loaded.server.tls, settings != listener.settings else { return nil }
        do {
            return (settings, try ListenerTLS.context(settings))
        } catch {
            self.logger.error("config reload refused; the running config and certificate stay", metadata: ["problems": "server.tls: \(error)"])
            throw GatewayError(
                status: 400, type: "invalid_request_error", code: "invalid_config",
                message: "The listener's certificate cannot be used; the running config stays.\nserver.tls: \(error)"
            )
        }
    }

    /// The files of a listener certificate and when its leaf expires, for the log.
    static func describe(_ settings: ServerTLS) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["cert_file": "\(settings.certificateChain.path)", "key_file": "\(settings.privateKey.path)"]
        if let leaf = try? TLSMaterial.certificates(settings.certificateChain).first {
            metadata["not_valid_after"] = "\(ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(leaf.notValidAfter))))"
        }
        return metadata
    }
}
