import HTTPTypes
import NIOCore
import SluiceCore

/// The gateway's own rate limits on callers: requests per minute per client IP address, and
/// requests and tokens per minute per virtual key.
struct RequestLimits: Sendable {
    /// Limits per IP address are the instance's own (they protect it).
    let addressLimiter: RateLimiter
    let requestsPerMinutePerIP: Int?
    /// Limits per key, shared by the instances sharing a store.
    let keyLimiter: RateLimiter

    /// - Throws: 429 when the address is over its limit.
    func admitAddress(_ address: SocketAddress?) async throws(GatewayError) {
        guard let limit = self.requestsPerMinutePerIP, let ip = address?.ipAddress else { return }
        let outcome = await self.addressLimiter.take("ip:\(ip)", cost: 1, limit: limit)
        guard outcome.allowed else { throw GatewayError.rateLimited("this IP address (\(limit) requests per minute)", retryAfterSeconds: Self.seconds(outcome.wait)) }
    }

    /// - Returns: the key's request limit state, for the response headers; nil when it has none.
    /// - Throws: 429 when the key is over its requests per minute.
    func admitRequest(of caller: Caller) async throws(GatewayError) -> RateLimiter.Outcome? {
        guard let limit = caller.requestsPerMinute, let keyID = caller.keyID else { return nil }
        let outcome = await self.keyLimiter.take("key:\(keyID):rpm", cost: 1, limit: limit)
        guard outcome.allowed else { throw Self.refusal("key \(keyID) (\(limit) requests per minute)", outcome, kind: "requests") }
        return outcome
    }

    /// - Returns: the key's token limit state, for the response headers; nil when it has none.
    /// - Throws: 429 when the request's tokens would take the key over its tokens per minute.
    func admitTokens(_ tokens: Int, of caller: Caller) async throws(GatewayError) -> RateLimiter.Outcome? {
        guard let limit = caller.tokensPerMinute, let keyID = caller.keyID else { return nil }
        let outcome = await self.keyLimiter.take("key:\(keyID):tpm", cost: tokens, limit: limit)
        guard outcome.allowed else { throw Self.refusal("key \(keyID) (\(limit) tokens per minute)", outcome, kind: "tokens") }
        return outcome
    }

    /// A key's 429, with the `x-ratelimit-*` headers its 200s carry: clients pace themselves by them.
    private static func refusal(_ what: String, _ outcome: RateLimiter.Outcome, kind: String) -> GatewayError {
        var error = GatewayError.rateLimited(what, retryAfterSeconds: Self.seconds(outcome.wait))
        var headers = HTTPFields()
        RateLimitHeaders.add(outcome, kind: kind, to: &headers)
        for field in headers { error.headers[field.name.canonicalName] = field.value }
        return error
    }

    /// Whole seconds, rounded up, of a wait in microseconds (which may be as long as `Int64.max`).
    static func seconds(_ micros: Int64) -> Int {
        Int(micros.addingWithSaturation(999_999) / 1_000_000)
    }
}
