import SluiceConfig

/// A profile's stages, assembled once per runtime and grouped by the hooks they use, so a
/// request walks only the stages that have something to do.
struct PipelineProfile: Sendable {
    let name: String
    /// Every stage, in order.
    let stages: [any PipelineStage]
    let beforeDispatch: [any PipelineStage]
    let filtering: [any PipelineStage]
    let ending: [any PipelineStage]

    init(name: String, stages: [any PipelineStage]) {
        self.name = name
        self.stages = stages
        self.beforeDispatch = stages.filter { $0.hooks.contains(.beforeDispatch) }
        self.filtering = stages.filter { $0.hooks.contains(.answerFilter) }
        self.ending = stages.filter { $0.hooks.contains(.afterEnd) }
    }
}

/// The profiles of one runtime, and the choice among them per caller: the virtual key's own
/// (its metadata entry `profile`), else its tenant's, else the default.
struct PipelineProfiles: Sendable {
    private let profiles: [String: PipelineProfile]
    /// In the config's order, the default first.
    let ordered: [PipelineProfile]
    private let defaultProfile: PipelineProfile
    private let tenantProfiles: [String: String]

    /// - Parameters:
    ///   - admission: the stages every profile starts with (model access, the key's request rate).
    ///   - accounting: the stages every profile runs after its own, so that they see the request
    ///     as the profile's stages left it (token rate, budgets, reasoning).
    ///   - extra: stages added to the end of every profile by the embedding code (plugins, tests).
    init(_ settings: PipelineSettings, admission: [any PipelineStage], accounting: [any PipelineStage], extra: [any PipelineStage] = []) {
        var profiles: [String: PipelineProfile] = [:]
        var ordered: [PipelineProfile] = []
        let configured = settings.profiles.contains { $0.name == PipelineSettings.builtInProfileName }
            ? settings.profiles : [PipelineProfileSettings(name: PipelineSettings.builtInProfileName, stages: [])] + settings.profiles
        for profile in configured {
            let assembled = PipelineProfile(name: profile.name, stages: admission + profile.stages.map(Self.stage) + accounting + extra)
            profiles[profile.name] = assembled
            ordered.append(assembled)
        }
        // The loader checked that the default names a profile.
        let defaultProfile = profiles[settings.defaultProfile] ?? ordered[0]
        self.profiles = profiles
        self.ordered = [defaultProfile] + ordered.filter { $0.name != defaultProfile.name }
        self.defaultProfile = defaultProfile
        self.tenantProfiles = settings.tenantProfiles
    }

    func profile(for caller: Caller) -> PipelineProfile {
        if let name = caller.profile, let profile = self.profiles[name] { return profile }
        if let tenant = caller.tenantID, let name = self.tenantProfiles[tenant], let profile = self.profiles[name] { return profile }
        return self.defaultProfile
    }

    private static func stage(_ settings: StageSettings) -> any PipelineStage {
        switch settings {
        case .outputCeiling(let tokens): OutputCeilingStage(maxOutputTokens: tokens)
        }
    }
}
