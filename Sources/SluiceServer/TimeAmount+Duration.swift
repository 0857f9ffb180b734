import NIOCore

/// NIO's time amounts from the config's durations.
extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    var inSeconds: Double {
        let (seconds, attoseconds) = self.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// The duration in milliseconds, rounded to the microsecond, as logs show it.
    var inMilliseconds: Double {
        (self.inSeconds * 1_000_000).rounded() / 1000
    }
}
