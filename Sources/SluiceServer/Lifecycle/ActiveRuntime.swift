import Synchronization

/// The runtime new requests are served with. A reload replaces it whole; a request reads it once
/// and keeps what it read, so it finishes on the config it started on.
final class ActiveRuntime: Sendable {
    private let runtime: Mutex<GatewayRuntime>

    init(_ runtime: GatewayRuntime) {
        self.runtime = Mutex(runtime)
    }

    var current: GatewayRuntime { self.runtime.withLock { $0 } }

    /// Installs the runtime `next` builds from the current one, and returns what `next` said of
    /// it; replacements run one at a time.
    func replace<Report>(_ next: (GatewayRuntime) -> (GatewayRuntime, Report)) -> Report {
        self.runtime.withLock { runtime in
            let report: Report
            (runtime, report) = next(runtime)
            return report
        }
    }
}
