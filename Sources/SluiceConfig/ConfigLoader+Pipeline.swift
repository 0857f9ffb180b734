import Yams

extension ConfigLoader {
    /// `pipeline: { default_profile, tenant_profiles: {tenant: profile}, profiles: {name: [stage, …]} }`,
    /// where a stage is its name or a one-key mapping of its name to its settings.
    static func pipeline(_ node: Node, reader: inout ConfigReader) -> PipelineSettings {
        let members = reader.mapping(node, at: "pipeline", allowed: ["profiles", "default_profile", "tenant_profiles"])
        var settings = PipelineSettings()
        var names: Set<String> = [PipelineSettings.builtInProfileName]
        if let profiles = members["profiles"], case .mapping(let mapping) = profiles {
            for (key, value) in mapping {
                guard let name = reader.string(key, at: "pipeline.profiles") else { continue }
                let stages = reader.sequence(value, at: "pipeline.profiles.\(name)").enumerated().compactMap { index, stage in
                    self.stage(stage, at: "pipeline.profiles.\(name)[\(index)]", reader: &reader)
                }
                settings.profiles.append(PipelineProfileSettings(name: name, stages: stages))
                names.insert(name)
            }
        } else if let profiles = members["profiles"] {
            reader.report("expected a mapping of profile names to lists of stages", at: "pipeline.profiles", node: profiles)
        }
        func profileName(_ node: Node, at path: String) -> String? {
            guard let name = reader.string(node, at: path) else { return nil }
            guard names.contains(name) else {
                reader.report("no profile is named '\(name)' (profiles: \(names.sorted().joined(separator: ", ")))", at: path, node: node)
                return nil
            }
            return name
        }
        if let node = members["default_profile"], let name = profileName(node, at: "pipeline.default_profile") { settings.defaultProfile = name }
        if let node = members["tenant_profiles"], case .mapping(let mapping) = node {
            for (key, value) in mapping {
                guard let tenant = reader.string(key, at: "pipeline.tenant_profiles"),
                    let name = profileName(value, at: "pipeline.tenant_profiles.\(tenant)")
                else { continue }
                settings.tenantProfiles[tenant] = name
            }
        } else if let node = members["tenant_profiles"] {
            reader.report("expected a mapping of tenant ids to profile names", at: "pipeline.tenant_profiles", node: node)
        }
        return settings
    }

    /// Every optional stage a profile can name.
    static let stageNames = ["output_ceiling"]

    private static func stage(_ node: Node, at path: String, reader: inout ConfigReader) -> StageSettings? {
        var name: String?
        var options: Node?
        switch node {
        case .scalar:
            name = reader.string(node, at: path)
        case .mapping(let mapping) where mapping.count == 1:
            let (key, value) = mapping.first!
            name = reader.string(key, at: path)
            options = value
        default:
            reader.report("expected a stage name, or a mapping of one stage name to its settings", at: path, node: node)
        }
        guard let name else { return nil }
        switch name {
        case "output_ceiling":
            guard let options else {
                reader.report("output_ceiling needs its max_output_tokens", at: path, node: node)
                return nil
            }
            let settings = reader.mapping(options, at: "\(path).output_ceiling", allowed: ["max_output_tokens"])
            guard let limitNode = settings["max_output_tokens"] else {
                reader.report("missing required key 'max_output_tokens'", at: "\(path).output_ceiling", node: options)
                return nil
            }
            guard let limit = reader.integer(limitNode, at: "\(path).output_ceiling.max_output_tokens", minimum: 1) else { return nil }
            guard limit <= Int(Int32.max) else {
                reader.report("must be at most \(Int32.max)", at: "\(path).output_ceiling.max_output_tokens", node: limitNode)
                return nil
            }
            return .outputCeiling(maxOutputTokens: limit)
        default:
            reader.report("unknown stage '\(name)' (stages: \(Self.stageNames.joined(separator: ", ")))", at: path, node: node)
            return nil
        }
    }
}
