import ServiceLifecycle
import UnixSignals

/// Reloads the config at every SIGHUP, as daemons do; a refused config is logged and the
/// running one stays.
struct ReloadOnHangUp: Service {
    let reloader: ConfigReloader

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            _ = try? self.reloader.reload()
        }
    }
}
