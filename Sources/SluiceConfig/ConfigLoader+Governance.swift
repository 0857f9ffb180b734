import Yams

extension ConfigLoader {
    /// `store`, `limits` and `budgets`, and the governance keys of `auth`.
    static func governance(store: Node?, limits: Node?, budgets: Node?, adminKey: Node?, reader: inout ConfigReader) -> GovernanceSettings {
        var settings = GovernanceSettings()
        if let adminKey, let value = reader.string(adminKey, at: "auth.admin_key", secret: true) {
            if value.count < 16 {
                reader.report("the admin key must have at least 16 characters", at: "auth.admin_key", node: adminKey)
            } else {
                settings.adminKey = Secret(value)
            }
        }
        if let store {
            let members = reader.mapping(
                store, at: "store",
                allowed: [
                    "sqlite", "postgres", "ledger_flush_interval", "key_refresh_interval", "lease_ttl", "ledger_buffer_rows", "ledger_spill_dir",
                    "when_unreachable",
                ]
            )
            switch (members["sqlite"], members["postgres"]) {
            case (let path?, nil):
                if let path = reader.string(path, at: "store.sqlite") { settings.store = .sqlite(path: path) }
            case (nil, let url?):
                if let url = reader.string(url, at: "store.postgres", secret: true) {
                    if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
                        settings.store = .postgres(url: Secret(url))
                    } else {
                        reader.report("expected a postgres:// URL", at: "store.postgres", node: members["postgres"])
                    }
                }
            default:
                reader.report("give exactly one of 'sqlite' (a file path) or 'postgres' (a URL)", at: "store", node: store)
            }
            for (key, path) in [("ledger_flush_interval", \GovernanceSettings.ledgerFlushInterval), ("key_refresh_interval", \.keyRefreshInterval), ("lease_ttl", \.leaseTTL)] {
                guard let node = members[key], let value = reader.duration(node, at: "store.\(key)") else { continue }
                if value <= .zero {
                    reader.report("must be greater than zero", at: "store.\(key)", node: node)
                } else if key == "lease_ttl" && value < .seconds(3) {
                    // A lease is renewed every third of it, and spent from until a fifth before it lapses.
                    reader.report("must be at least 3s", at: "store.lease_ttl", node: node)
                } else {
                    settings[keyPath: path] = value
                }
            }
            if let rows = members["ledger_buffer_rows"].flatMap({ reader.integer($0, at: "store.ledger_buffer_rows", minimum: 1) }) {
                settings.ledgerBufferRows = rows
            }
            if let directory = members["ledger_spill_dir"].flatMap({ reader.string($0, at: "store.ledger_spill_dir") }) {
                settings.ledgerSpillDirectory = directory
            }
            if let node = members["when_unreachable"] {
                Self.storeOutage(node, into: &settings, reader: &reader)
            }
        }
        if let limits {
            let members = reader.mapping(limits, at: "limits", allowed: ["per_ip", "per_key"])
            if let node = members["per_ip"] {
                let ip = reader.mapping(node, at: "limits.per_ip", allowed: ["requests_per_minute"])
                settings.requestsPerMinutePerIP = ip["requests_per_minute"].flatMap { reader.integer($0, at: "limits.per_ip.requests_per_minute", minimum: 1) }
            }
            if let node = members["per_key"] {
                let key = reader.mapping(node, at: "limits.per_key", allowed: ["requests_per_minute", "tokens_per_minute"])
                settings.requestsPerMinutePerKey = key["requests_per_minute"].flatMap { reader.integer($0, at: "limits.per_key.requests_per_minute", minimum: 1) }
                settings.tokensPerMinutePerKey = key["tokens_per_minute"].flatMap { reader.integer($0, at: "limits.per_key.tokens_per_minute", minimum: 1) }
            }
        }
        if let budgets {
            let members = reader.mapping(budgets, at: "budgets", allowed: ["default_max_output_tokens"])
            if let tokens = members["default_max_output_tokens"].flatMap({ reader.integer($0, at: "budgets.default_max_output_tokens", minimum: 1) }) {
                settings.defaultMaxOutputTokens = tokens
            }
        }
        return settings
    }

    /// `store.when_unreachable`: what budgets and known keys do while the store cannot be reached.
    private static func storeOutage(_ node: Node, into settings: inout GovernanceSettings, reader: inout ConfigReader) {
        let members = reader.mapping(node, at: "store.when_unreachable", allowed: ["budgets", "known_keys_for"])
        if let policy = members["budgets"].flatMap({ reader.choice($0, at: "store.when_unreachable.budgets", as: BudgetOutagePolicy.self) }) {
            settings.budgetsWhenStoreUnreachable = policy
        }
        if let node = members["known_keys_for"], let grace = reader.duration(node, at: "store.when_unreachable.known_keys_for") {
            settings.knownKeysWhenStoreUnreachable = grace
        }
    }

    static func deploymentRateLimit(_ node: Node, at path: String, reader: inout ConfigReader) -> DeploymentRateLimit {
        let members = reader.mapping(node, at: path, allowed: ["requests_per_minute", "tokens_per_minute"])
        return DeploymentRateLimit(
            requestsPerMinute: members["requests_per_minute"].flatMap { reader.integer($0, at: "\(path).requests_per_minute", minimum: 1) },
            tokensPerMinute: members["tokens_per_minute"].flatMap { reader.integer($0, at: "\(path).tokens_per_minute", minimum: 1) }
        )
    }
}
