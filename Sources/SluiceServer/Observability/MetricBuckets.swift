/// Histogram bucket boundaries. The GenAI ones are those the OpenTelemetry semantic conventions
/// recommend, the operation duration extended to about five minutes for long generations.
enum MetricBuckets {
    /// Seconds, 10 ms to 5.5 min, doubling.
    static let operationDuration: [Double] = (0..<16).map { 0.01 * Double(1 << $0) }
    /// Tokens, 1 to 64 Mi, by powers of four.
    static let tokens: [Double] = (0..<14).map { Double(1 << (2 * $0)) }
    /// Seconds.
    static let timeToFirstToken: [Double] = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]
    /// Seconds.
    static let timePerOutputToken: [Double] = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5]
    /// Seconds the gateway itself adds, 100 µs to 1 s.
    static let overhead: [Double] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]
}
