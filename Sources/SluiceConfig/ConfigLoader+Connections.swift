import Yams

extension ConfigLoader {
    /// The keys of `server` that ``connections(_:reader:)`` reads.
    static let connectionKeys: Set<String> = [
        "max_connections", "max_connections_per_address", "header_read_timeout", "body_read_timeout", "keep_alive_timeout",
    ]

    /// The connection limits among the members of `server`.
    static func connections(_ members: [String: Node], reader: inout ConfigReader) -> ConnectionLimits {
        var limits = ConnectionLimits()
        if let value = members["max_connections"].flatMap({ reader.integer($0, at: "server.max_connections", minimum: 1) }) {
            limits.maxConnections = value
        }
        if let node = members["max_connections_per_address"] {
            if let value = reader.integer(node, at: "server.max_connections_per_address", minimum: 1) {
                if value > limits.maxConnections {
                    reader.report("must be at most server.max_connections (\(limits.maxConnections))", at: "server.max_connections_per_address", node: node)
                } else {
                    limits.maxConnectionsPerAddress = value
                }
            }
        } else {
            limits.maxConnectionsPerAddress = min(limits.maxConnectionsPerAddress, limits.maxConnections)
        }
        func timeout(_ key: String, into field: WritableKeyPath<ConnectionLimits, Duration>) {
            guard let node = members[key], let value = reader.positiveDuration(node, at: "server.\(key)") else { return }
            limits[keyPath: field] = value
        }
        timeout("header_read_timeout", into: \.headerReadTimeout)
        timeout("body_read_timeout", into: \.bodyReadTimeout)
        timeout("keep_alive_timeout", into: \.keepAliveTimeout)
        return limits
    }
}
