import Logging
import NIOCore
import SluiceConfig
import SluiceCore
import SluiceProviders

/// Walks a request's routing plan: tries the model's deployments in the strategy's order, moves
/// to another deployment when one fails before answering (within the model's retries and the
/// retry budget), then to the model's fallbacks. Client errors end the walk at once. Deployments
/// over their own rate limits are passed over.
struct RoutePlanExecutor: Sendable {
    let catalog: ModelCatalog
    let budget: RetryBudget
    let limiter: RateLimiter
    let metrics: GatewayMetrics

    /// The answer that came back, the lease on the deployment that gave it, and its model.
    struct Dispatch: Sendable {
        let response: ProviderResponse
        let lease: RoutingLease
        let route: ModelRoute
        let attempts: Int
    }

    /// - Parameters:
    ///   - continuing: the deployment whose stream died, when this dispatch continues its answer:
    ///     then only the model's other deployments are tried, each attempt spends retry budget,
    ///     and fallback models are not used (they would answer in another voice).
    ///   - refusal: why a deployment cannot take the request at all (its dialect cannot carry it),
    ///     or nil when it can; a deployment that cannot is passed over without an attempt.
    ///   - answerBy: when the answer's time is up (a stream's first-token window, else the request's
    ///     deadline). Once it has passed no further deployment is tried: it could not answer in
    ///     time, and its attempt would fail at once and count against its health.
    ///   - send: performs one attempt on a deployment.
    /// - Throws: the last attempt's ``GatewayError``; else, when no deployment could take the
    ///   request, the refusal; else 503 when no deployment could be tried.
    func dispatch(
        _ route: ModelRoute, input: RoutingInput, logger: Logger, continuing: Deployment? = nil, answerBy: NIODeadline? = nil,
        refusal: (Deployment) -> GatewayError? = { _ in nil }, send: (Deployment) async throws -> ProviderResponse
    ) async throws -> Dispatch {
        if continuing == nil { self.budget.recordRequest() }
        var lastError: GatewayError?
        var cannotCarry: GatewayError?
        var attempts = 0
        var overLimitFor: Int64?
        let models = continuing == nil ? [route] + route.routing.fallbacks.compactMap(self.catalog.route) : [route]
        for model in models {
            var modelAttempts = 0
            for deployment in model.plan(input) where modelAttempts <= model.routing.retries && deployment.index != continuing?.index {
                if let refused = refusal(deployment) {
                    cannotCarry = cannotCarry ?? refused
                    continue
                }
                if let limit = deployment.config.rateLimit,
                    let wait = await self.overLimit(deployment, of: model, limit: limit, tokens: input.estimatedTokens)
                {
                    overLimitFor = min(overLimitFor ?? wait, wait)
                    continue
                }
                if let lastError, let answerBy, NIODeadline.now() >= answerBy { throw lastError }
                if attempts > 0 || continuing != nil, !self.budget.withdraw() {
                    logger.warning("retry budget spent; not retrying", metadata: ["model": .string(model.name)])
                    throw lastError ?? GatewayError.noDeploymentAvailable(model: route.name, retryAfterSeconds: nil)
                }
                guard let lease = RoutingLease(deployment: deployment, tokens: input.estimatedTokens) else { continue }
                attempts += 1
                modelAttempts += 1
                do {
                    let response = try await send(deployment)
                    return Dispatch(response: response, lease: lease, route: model, attempts: attempts)
                } catch let error as GatewayError {
                    self.metrics.upstreamFailed(deployment: deployment.label, error: error)
                    // A client error says nothing about the deployment's health.
                    lease.release(error.isRetryable ? .failure : .success(latency: nil))
                    guard error.isRetryable || error.isContextWindowExceeded else { throw error }
                    logger.warning(
                        "attempt failed",
                        metadata: ["deployment": .string(deployment.label), "model": .string(model.name), "error": .string(error.message)]
                    )
                    lastError = error
                    if error.isContextWindowExceeded { break }
                } catch {
                    lease.release(.abandoned)
                    throw error
                }
            }
        }
        if let lastError { throw lastError }
        if let cannotCarry { throw cannotCarry }
        if let wait = overLimitFor {
            throw GatewayError.rateLimited("every deployment of `\(route.name)`", retryAfterSeconds: RequestLimits.seconds(wait))
        }
        let reopens = route.reopensAt.map { Int(($0 - .now()).nanoseconds / 1_000_000_000) + 1 }
        throw GatewayError.noDeploymentAvailable(model: route.name, retryAfterSeconds: reopens)
    }

    /// Microseconds until the deployment is within its limits again, or nil when it is now
    /// (then the request counts against them).
    private func overLimit(_ deployment: Deployment, of model: ModelRoute, limit: DeploymentRateLimit, tokens: Int) async -> Int64? {
        let cell = "deployment:\(model.name):\(deployment.index)"
        if let perMinute = limit.requestsPerMinute {
            let outcome = await self.limiter.take(cell + ":rpm", cost: 1, limit: perMinute)
            if !outcome.allowed { return outcome.wait }
        }
        if let perMinute = limit.tokensPerMinute {
            let outcome = await self.limiter.take(cell + ":tpm", cost: tokens, limit: perMinute)
            if !outcome.allowed { return outcome.wait }
        }
        return nil
    }
}
