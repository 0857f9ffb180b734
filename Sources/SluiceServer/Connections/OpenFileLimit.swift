#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's limit on open file descriptors, which bounds its connections: each client
/// connection takes one, and each upstream connection another.
public enum OpenFileLimit {
    /// The soft and hard limits after the soft one was raised to the hard one; nil when they
    /// cannot be read.
    ///
    /// The soft limit is often 1,024 while the hard one is far higher; a gateway that keeps the
    /// soft one runs out of descriptors at a few hundred streaming clients.
    public static func raiseToHardLimit() -> (soft: UInt64, hard: UInt64)? {
        var limit = rlimit()
        guard getrlimit(Self.resource, &limit) == 0 else { return nil }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            #if canImport(Darwin)
            // Darwin refuses RLIM_INFINITY for descriptors; OPEN_MAX is its real ceiling.
            raised.rlim_cur = min(limit.rlim_max, rlim_t(OPEN_MAX))
            #endif
            if setrlimit(Self.resource, &raised) == 0 { limit = raised }
        }
        return (UInt64(limit.rlim_cur), UInt64(limit.rlim_max))
    }

    /// Descriptors kept for everything but connections: the event loops, the store, the logs.
    static let reserved: UInt64 = 128

    /// The most client connections the gateway takes under the current soft limit: half of what
    /// the reserve leaves, as each client connection may hold an upstream connection too.
    ///
    /// Running out of descriptors is not only refused connections: libdispatch, which the runtime
    /// and Foundation use, stops the process when it cannot open a `/proc` file it reads.
    public static func clientConnectionCap(configured: Int) -> Int {
        var limit = rlimit()
        guard getrlimit(Self.resource, &limit) == 0 else { return configured }
        let fits = limit.rlim_cur > Self.reserved + 2 ? (UInt64(limit.rlim_cur) - Self.reserved) / 2 : 1
        return Int(clamping: min(UInt64(max(configured, 1)), fits))
    }

    #if canImport(Glibc)
    private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    private static let resource = RLIMIT_NOFILE
    #endif
}
