import NIOSSL
import SluiceConfig
import Synchronization

/// The listener's TLS context, replaced on reload: each new connection takes the context current
/// when it is accepted and keeps it, so connections already open go on undisturbed with the
/// certificate they were served, and new ones get the new certificate.
final class ListenerTLS: Sendable {
    private let current: Mutex<(settings: ServerTLS, context: NIOSSLContext)>

    /// - Throws: when no context can be built from `settings`.
    init(_ settings: ServerTLS) throws {
        self.current = Mutex((settings, try Self.context(settings)))
    }

    /// The context for a connection accepted now.
    var context: NIOSSLContext { self.current.withLock { $0.context } }
    /// The settings the current context was built from.
    var settings: ServerTLS { self.current.withLock { $0.settings } }

    /// A context for `settings`, to ``install(_:)`` once the rest of the reload is accepted.
    static func context(_ settings: ServerTLS) throws -> NIOSSLContext {
        try NIOSSLContext(configuration: TLSConfiguration.listener(settings))
    }

    /// New connections from now on are served with `replacement`.
    func install(_ replacement: (settings: ServerTLS, context: NIOSSLContext)) {
        self.current.withLock { $0 = replacement }
    }
}
