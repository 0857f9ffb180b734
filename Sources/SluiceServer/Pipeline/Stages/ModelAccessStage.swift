import SluiceCore

/// Refuses a model the config does not name (404) and one the caller's key may not use (403).
struct ModelAccessStage: PipelineStage {
    static let name = "model_access"
    var name: String { Self.name }
    let hooks: StageHooks = [.beforeDispatch]

    func beforeDispatch(_ exchange: inout Exchange) async throws(GatewayError) -> StageVerdict {
        guard exchange.route != nil else { throw GatewayError.unknownModel(exchange.summary.model) }
        guard exchange.caller.mayUse(exchange.summary.model) else { throw GatewayError.modelNotAllowed(exchange.summary.model) }
        return .proceed
    }
}
