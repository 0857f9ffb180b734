import Yams

extension ConfigLoader {
    static func audit(_ node: Node, reader: inout ConfigReader) -> AuditSettings {
        let members = reader.mapping(node, at: "audit", allowed: ["path", "include_content", "flush_interval"])
        var settings = AuditSettings()
        if let node = members["path"], let path = reader.string(node, at: "audit.path") {
            if path.isEmpty {
                reader.report("the audit log's path must not be empty", at: "audit.path", node: node)
            } else {
                settings.path = path
            }
        }
        if let include = members["include_content"].flatMap({ reader.boolean($0, at: "audit.include_content") }) { settings.includeContent = include }
        if let interval = members["flush_interval"].flatMap({ reader.duration($0, at: "audit.flush_interval") }) { settings.flushInterval = interval }
        return settings
    }
}
