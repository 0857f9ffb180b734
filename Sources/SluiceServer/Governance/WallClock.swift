import struct Foundation.Date

/// Wall-clock time, which gateway instances sharing a store agree on (unlike uptime clocks).
enum WallClock {
    static func micros() -> Int64 {
        Int64(Date().timeIntervalSince1970 * 1_000_000)
    }

    static func seconds() -> Int64 {
        Int64(Date().timeIntervalSince1970)
    }
}
