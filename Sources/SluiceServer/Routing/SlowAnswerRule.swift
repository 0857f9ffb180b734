import SluiceConfig

/// Judges answers that succeeded but so slowly that their deployment should count as failing:
/// a first token later than the configured limit, or generation slower than the configured
/// tokens per second. Such answers still reach the client; they feed the circuit breaker.
struct SlowAnswerRule: Sendable {
    /// Seconds; nil when time to first token is not judged.
    let maximumTimeToFirstToken: Double?
    let minimumTokensPerSecond: Double?

    /// Shorter answers say more about time to first token than about speed: speed is not judged.
    static let minimumTokensJudged = 16

    init(_ settings: ResilienceSettings) {
        self.maximumTimeToFirstToken = settings.slowFirstToken.map(\.inSeconds)
        self.minimumTokensPerSecond = settings.slowTokensPerSecond
    }

    /// Why the answer was too slow, or nil when it was not.
    /// - Parameters:
    ///   - timeToFirstToken: seconds, for streams.
    ///   - generationSeconds: from the first token to the end (a plain answer: the whole call).
    func verdict(timeToFirstToken: Double?, completionTokens: Int?, generationSeconds: Double) -> String? {
        if let limit = self.maximumTimeToFirstToken, let ttft = timeToFirstToken, ttft > limit {
            return "first token after \(Self.rounded(ttft)) s (limit \(Self.rounded(limit)) s)"
        }
        if let minimum = self.minimumTokensPerSecond, let tokens = completionTokens, tokens >= Self.minimumTokensJudged, generationSeconds > 0 {
            let speed = Double(tokens) / generationSeconds
            if speed < minimum { return "\(Self.rounded(speed)) tokens/s (minimum \(Self.rounded(minimum)))" }
        }
        return nil
    }

    private static func rounded(_ value: Double) -> Double {
        (value * 100).rounded() / 100
    }
}
