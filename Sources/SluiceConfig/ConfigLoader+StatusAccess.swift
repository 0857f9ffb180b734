import Yams

extension ConfigLoader {
    /// `auth.status_access` (`open` or `key`) and `auth.metrics_key`. A metrics key implies
    /// `key`; `key` needs a key to check, the metrics key or the admin key. An empty metrics key
    /// (`${SLUICE_METRICS_KEY:-}` with the variable unset) is no key.
    static func statusAccess(_ auth: [String: Node], hasAdminKey: Bool, reader: inout ConfigReader) -> StatusAccess {
        var metricsKey: Secret?
        if let node = auth["metrics_key"], let value = reader.string(node, at: "auth.metrics_key", secret: true), !value.isEmpty {
            if value.count < 16 {
                reader.report("the metrics key must have at least 16 characters", at: "auth.metrics_key", node: node)
            } else {
                metricsKey = Secret(value)
            }
        }
        guard let node = auth["status_access"] else { return metricsKey == nil ? .open : .key(metricsKey: metricsKey) }
        guard let choice = reader.string(node, at: "auth.status_access") else { return .open }
        switch choice {
        case "open":
            if metricsKey != nil {
                reader.report("a metrics key is set, so status_access must be 'key'", at: "auth.status_access", node: node)
            }
            return .open
        case "key":
            if metricsKey == nil && !hasAdminKey {
                reader.report("'key' needs auth.metrics_key or auth.admin_key", at: "auth.status_access", node: node)
            }
            return .key(metricsKey: metricsKey)
        default:
            reader.report("expected one of: key, open, got '\(choice)'", at: "auth.status_access", node: node)
            return .open
        }
    }
}
