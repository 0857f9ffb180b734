import SluiceCore

/// The calling key's requests per minute: a request past them is
/// refused with 429 and `Retry-After`; an admitted one carries its `x-ratelimit-*-requests` headers.
struct RequestRateLimitStage: PipelineStage {
    static let name = "request_rate_limit"
    var name: String { Self.name }
    let hooks: StageHooks = [.beforeDispatch]
    let limits: RequestLimits

    func beforeDispatch(_ exchange: inout Exchange) async throws(GatewayError) -> StageVerdict {
        if let outcome = try await self.limits.admitRequest(of: exchange.caller) {
            RateLimitHeaders.add(outcome, kind: "requests", to: &exchange.responseHeaders)
        }
        return .proceed
    }
}
