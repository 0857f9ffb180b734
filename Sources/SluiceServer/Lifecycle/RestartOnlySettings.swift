import SluiceConfig

extension GatewayConfig {
    /// This config with the settings that only a restart can change (where the server listens, whether with TLS, and its connection limits,
    /// the drain time, logging, the audit log and tracing, the upstream connection pool, the governance
    /// store and its limits, the bounds of the Responses API's state, the timers of background services)
    /// taken from `running`, and the file paths of those that differ, so a reload can say which of its
    /// changes wait for a restart.
    func keepingRestartOnlySettings(of running: GatewayConfig) -> (config: GatewayConfig, restartRequired: [String]) {
        var config = self
        var changed: [String] = []
        func keep<Value: Equatable>(_ path: WritableKeyPath<GatewayConfig, Value>, named name: String) {
            guard config[keyPath: path] != running[keyPath: path] else { return }
            changed.append(name)
            config[keyPath: path] = running[keyPath: path]
        }
        // A port that changes between TLS and plain HTTP changes every client's URL, as a new port
        // would: that takes a restart. The certificate, key and client CA of a TLS listener reload.
        if (config.server.tls == nil) != (running.server.tls == nil) {
            changed.append("server.tls")
            config.server.tls = running.server.tls
        }
        keep(\.server.host, named: "server.host")
        keep(\.server.port, named: "server.port")
        keep(\.server.drainTimeout, named: "server.drain_timeout")
        keep(\.server.connections.maxConnections, named: "server.max_connections")
        keep(\.server.connections.maxConnectionsPerAddress, named: "server.max_connections_per_address")
        keep(\.server.connections.headerReadTimeout, named: "server.header_read_timeout")
        keep(\.server.connections.bodyReadTimeout, named: "server.body_read_timeout")
        keep(\.server.connections.keepAliveTimeout, named: "server.keep_alive_timeout")
        keep(\.log, named: "log")
        keep(\.upstream, named: "upstream")
        keep(\.timeouts.connect, named: "timeouts.connect")
        keep(\.resilience.probeInterval, named: "resilience.breaker.probe_interval")
        keep(\.resilience.metricsInterval, named: "resilience.metrics_interval")
        keep(\.governance.adminKey, named: "auth.admin_key")
        keep(\.governance.store, named: "store")
        keep(\.governance.ledgerFlushInterval, named: "store.ledger_flush_interval")
        keep(\.governance.keyRefreshInterval, named: "store.key_refresh_interval")
        keep(\.governance.leaseTTL, named: "store.lease_ttl")
        keep(\.governance.requestsPerMinutePerIP, named: "limits.per_ip")
        keep(\.governance.requestsPerMinutePerKey, named: "limits.per_key.requests_per_minute")
        keep(\.governance.tokensPerMinutePerKey, named: "limits.per_key.tokens_per_minute")
        keep(\.governance.defaultMaxOutputTokens, named: "budgets.default_max_output_tokens")
        keep(\.audit, named: "audit")
        keep(\.tracing, named: "tracing")
        keep(\.responses.reasoningKey, named: "responses.reasoning_key")
        keep(\.responses.cacheMaxResponses, named: "responses.cache_max_responses")
        keep(\.responses.cacheMaxBytes, named: "responses.cache_max_bytes")
        keep(\.responses.historyMaxDepth, named: "responses.history_max_depth")
        keep(\.responses.historyMaxBytes, named: "responses.history_max_bytes")
        return (config, changed)
    }
}
