import SluiceCore

/// The caller's tokens per minute, charged with the request's estimate (prompt bytes over four
/// plus its output limit): past them, 429 with `Retry-After`; otherwise the request carries its
/// `x-ratelimit-*-tokens` headers.
struct TokenRateLimitStage: PipelineStage {
    static let name = "token_rate_limit"
    var name: String { Self.name }
    let hooks: StageHooks = [.beforeDispatch]
    let limits: RequestLimits

    func beforeDispatch(_ exchange: inout Exchange) async throws(GatewayError) -> StageVerdict {
        guard let tokens = exchange.routingInput()?.estimatedTokens else { return .proceed }
        if let outcome = try await self.limits.admitTokens(tokens, of: exchange.caller) {
            RateLimitHeaders.add(outcome, kind: "tokens", to: &exchange.responseHeaders)
        }
        return .proceed
    }
}
