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

    #if canImport(Glibc)
    private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    private static let resource = RLIMIT_NOFILE
    #endif
}
