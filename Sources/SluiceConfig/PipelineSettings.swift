/// The `pipeline` section: named profiles (the optional stages a request runs, in order, with
/// their settings), which one applies by default, and which tenants get another. A virtual key
/// picks its own with the metadata entry `profile`.
public struct PipelineSettings: Sendable, Equatable {
    public var profiles: [PipelineProfileSettings] = []
    /// The profile for requests nothing else picks one for.
    public var defaultProfile = Self.builtInProfileName
    /// Profiles by tenant id.
    public var tenantProfiles: [String: String] = [:]

    /// The profile that exists when the config names none: no optional stages.
    public static let builtInProfileName = "default"

    public init() {}
}

/// One profile: its name and its optional stages in the order they run.
public struct PipelineProfileSettings: Sendable, Equatable {
    public var name: String
    public var stages: [StageSettings]

    public init(name: String, stages: [StageSettings]) {
        self.name = name
        self.stages = stages
    }
}

/// An optional stage a profile may list, with its settings.
public enum StageSettings: Sendable, Equatable {
    /// Caps each answer's output tokens: a request asking for more, or naming no limit, is sent
    /// with this one.
    case outputCeiling(maxOutputTokens: Int)

    /// The stage's name in the config.
    public var name: String {
        switch self {
        case .outputCeiling: "output_ceiling"
        }
    }
}
