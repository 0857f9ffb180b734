import SluiceConfig

extension Gateway {
    /// The pipeline each profile of `config` assembles, one line per profile, for
    /// `sluice check-config`: the admission stages, the profile's own, then the accounting ones.
    public static func pipelineOutline(_ config: GatewayConfig) -> [String] {
        let admission = [ModelAccessStage.name, RequestRateLimitStage.name]
        var accounting = [TokenRateLimitStage.name]
        if config.governance.store != nil { accounting.append(BudgetStage.name) }
        accounting.append(ReasoningStage.name)
        let settings = config.pipeline
        var profiles = settings.profiles
        if !profiles.contains(where: { $0.name == PipelineSettings.builtInProfileName }) {
            profiles.insert(PipelineProfileSettings(name: PipelineSettings.builtInProfileName, stages: []), at: 0)
        }
        var lines = profiles.map { profile in
            let stages = admission + profile.stages.map(Self.outline) + accounting
            let marker = profile.name == settings.defaultProfile ? " (default)" : ""
            return "profile \(profile.name)\(marker): \(stages.joined(separator: " → ")) → upstream"
        }
        for (tenant, profile) in settings.tenantProfiles.sorted(by: { $0.key < $1.key }) {
            lines.append("tenant \(tenant) → profile \(profile)")
        }
        return lines
    }

    private static func outline(_ stage: StageSettings) -> String {
        switch stage {
        case .outputCeiling(let tokens): "\(OutputCeilingStage.name)(max_output_tokens: \(tokens))"
        }
    }
}
