import SluiceConfig
import SluiceCore

/// The most output a request can produce on a deployment, which a budget reservation holds.
///
/// A client's own limit (`max_tokens`) bounds each answer. Without one, the deployment's
/// `max_output_tokens` does; failing that its `context_window` (no answer outgrows the window);
/// failing both, `budgets.default_max_output_tokens`. A bound the upstream would not keep by
/// itself (the configured maxima) is sent to it as `max_tokens`, so that it holds. Every answer
/// the request asks for (`n`, `best_of`) multiplies the bound; embeddings produce none.
struct OutputBounds: Sendable {
    let defaultMaxOutputTokens: Int

    /// Output tokens the request may produce on `deployment`, all answers together.
    func worstOutputTokens(of request: InferenceRequest, on deployment: DeploymentConfig) -> Int {
        guard request.endpoint != .embeddings else { return 0 }
        let perAnswer = request.maxOutputTokens ?? self.perAnswerBound(on: deployment)
        return perAnswer.multipliedWithSaturation(by: request.generatedChoices)
    }

    /// The `max_tokens` to send `deployment` for a request that names none; nil when the
    /// deployment's context window bounds the answer already.
    func limitToSend(on deployment: DeploymentConfig) -> Int? {
        if let configured = deployment.maxOutputTokens { return configured }
        return deployment.contextWindow == nil ? self.defaultMaxOutputTokens : nil
    }

    private func perAnswerBound(on deployment: DeploymentConfig) -> Int {
        deployment.maxOutputTokens ?? deployment.contextWindow ?? self.defaultMaxOutputTokens
    }
}
