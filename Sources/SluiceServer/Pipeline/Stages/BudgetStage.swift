import SluiceConfig
import SluiceCore

/// Budgets by reservation: before dispatch it holds the request's worst case against every
/// budget that applies (402-style refusal when one would be exceeded), and when the request
/// ends it settles the hold with what the request actually cost. With a hold taken, the
/// request's output is bounded (see ``OutputBounds``) so that the worst case holds.
struct BudgetStage: PipelineStage {
    static let name = "budget"
    var name: String { Self.name }
    let hooks: StageHooks = [.beforeDispatch, .afterEnd]
    let budgets: BudgetBook
    let bounds: OutputBounds

    func beforeDispatch(_ exchange: inout Exchange) async throws(GatewayError) -> StageVerdict {
        guard let route = exchange.route else { return .proceed }
        let worst = self.worstCase(exchange.summary, route: route, catalog: exchange.catalog)
        exchange.reservation = try await self.budgets.reserve(
            for: exchange.caller, model: exchange.summary.model, tokens: worst.tokens, microUSD: worst.microUSD
        )
        if exchange.reservation != nil { exchange.outputBounds = self.bounds }
        return .proceed
    }

    func afterEnd(_ exchange: Exchange) {
        exchange.reservation?.settle(tokens: Int64(exchange.record.usage?.totalTokens ?? 0), microUSD: exchange.record.costMicroUSD)
    }

    /// The most a request can cost: every prompt byte a token (no tokenizer makes more) at its
    /// dearest price, plus its output bound for every answer it asks for, at the dearest
    /// deployment of its model and fallbacks.
    private func worstCase(_ summary: InferenceRequest, route: ModelRoute, catalog: ModelCatalog) -> (tokens: Int64, microUSD: Int64) {
        var worst: (tokens: Int64, microUSD: Double) = (0, 0)
        for model in [route] + route.routing.fallbacks.compactMap(catalog.route) {
            for deployment in model.deployments {
                let output = Int64(self.bounds.worstOutputTokens(of: summary, on: deployment.config))
                let input = Int64(summary.byteCount)
                let price = deployment.config.price
                // A price per million tokens is a price in micro-dollars per token.
                let microUSD = Double(input) * Self.dearestInputPrice(deployment.config) + Double(output) * price.outputPerMillion
                worst = (max(worst.tokens, input.addingWithSaturation(output)), max(worst.microUSD, microUSD))
            }
        }
        return (worst.tokens, Int64(saturating: worst.microUSD.rounded(.up)))
    }

    /// The most a prompt token can cost on `deployment`: on backends that bill prompt-cache writes
    /// (Anthropic's, Bedrock's), or where the config prices them, a token may be written to the
    /// cache for an hour.
    private static func dearestInputPrice(_ deployment: DeploymentConfig) -> Double {
        let price = deployment.price
        let billsCacheWrites = deployment.provider == .anthropic || deployment.provider == .bedrock
            || price.cacheWritePerMillion != nil || price.oneHourCacheWritePerMillion != nil
        guard billsCacheWrites else { return price.inputPerMillion }
        return max(price.inputPerMillion, price.effectiveCacheWritePerMillion, price.effectiveOneHourCacheWritePerMillion)
    }
}
