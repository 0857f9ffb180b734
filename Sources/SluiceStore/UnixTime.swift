/// Seconds since 1970-01-01 UTC.
public typealias UnixTime = Int64
