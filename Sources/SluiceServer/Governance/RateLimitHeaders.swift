import HTTPTypes

/// OpenAI's rate-limit headers: `x-ratelimit-limit-requests`, `x-ratelimit-remaining-requests`,
/// `x-ratelimit-reset-requests` (a duration such as `1s` or `6m0s`), and the same for tokens.
enum RateLimitHeaders {
    static func add(_ outcome: RateLimiter.Outcome, kind: String, to headers: inout HTTPFields) {
        headers[HTTPField.Name("x-ratelimit-limit-\(kind)")!] = String(outcome.limit)
        headers[HTTPField.Name("x-ratelimit-remaining-\(kind)")!] = String(outcome.remaining)
        headers[HTTPField.Name("x-ratelimit-reset-\(kind)")!] = self.duration(outcome.wait)
    }

    /// `250ms`, `12s`, `6m0s` …
    static func duration(_ micros: Int64) -> String {
        let milliseconds = max(0, micros) / 1000
        if milliseconds < 1000 { return "\(milliseconds)ms" }
        let seconds = (milliseconds + 999) / 1000
        return seconds < 60 ? "\(seconds)s" : "\(seconds / 60)m\(seconds % 60)s"
    }
}
