import Foundation
import Testing

@testable import SluiceConfig

/// `/metrics` and `/ready` show tenant ids, spend and upstream model names: with
/// `auth.status_access: key` they need the metrics key or the admin key; `/health` stays open.
@Suite struct StatusAccessTests {
    static let metricsKey = "mk-0123456789abcdef"

    static func settings(auth: String) -> String {
        GatewayHarness.governanceSettings().replacingOccurrences(
            of: "auth: { api_keys: [sk-test], admin_key: \(GatewayHarness.adminKey) }",
            with: "auth: { api_keys: [sk-test], admin_key: \(GatewayHarness.adminKey), \(auth) }"
        )
    }

    @Test func aMetricsKeyClosesMetricsAndReadinessToEveryoneElse() async throws {
        try await withGateway(settings: Self.settings(auth: "metrics_key: \(Self.metricsKey)")) { _, client in
            for path in ["/metrics", "/ready"] {
                func status(key: String?, headers: [String: String] = [:]) async throws -> Int {
                    try await client.request(.GET, path, key: key, headers: headers).status
                }
                func basic(_ password: String) -> [String: String] {
                    ["authorization": "Basic " + Data("prometheus:\(password)".utf8).base64EncodedString()]
                }
                let statuses = [
                    try await status(key: nil), try await status(key: "sk-test"), try await status(key: nil, headers: basic(Self.metricsKey + String(repeating: "\0", count: 256))),
                    try await status(key: Self.metricsKey), try await status(key: GatewayHarness.adminKey), try await status(key: nil, headers: basic(Self.metricsKey)),
                ]
                // No key, a client key, the metrics key with a NUL; the metrics key, the admin key, the metrics key by Basic auth.
                #expect(statuses == [401, 401, 401, 200, 200, 200], "\(path)")
            }
            #expect(try await client.request(.GET, "/health", key: nil).status == 200)
        }
    }

    @Test func statusAccessKeyWithoutAMetricsKeyTakesTheAdminKey() async throws {
        try await withGateway(settings: Self.settings(auth: "status_access: key")) { _, client in
            let refused = try await client.request(.GET, "/metrics", key: nil)
            let admitted = try await client.request(.GET, "/metrics", key: GatewayHarness.adminKey)
            #expect(refused.status == 401 && admitted.status == 200)
        }
    }

    @Test func theStatusEndpointsAreOpenByDefault() async throws {
        try await withGateway { _, client in
            let metrics = try await client.request(.GET, "/metrics", key: nil)
            let ready = try await client.request(.GET, "/ready", key: nil)
            #expect(metrics.status == 200 && ready.status == 200)
        }
    }

    @Test func statusAccessAndConnectionLimitsAreCheckedWithTheirPlace() {
        func problems(_ yaml: String) -> [String] {
            do {
                _ = try ConfigLoader.parse(yaml: yaml + "models: [{ name: m, deployments: [{ provider: mock }] }]\n", environment: [:])
                return []
            } catch {
                return error.problems.map(\.description)
            }
        }
        let access = problems("auth:\n  status_access: key\n")
        #expect(access.contains { $0.contains("auth.status_access") && $0.contains("2:") }, "\(access)")
        #expect(problems("auth: { metrics_key: short }\n").contains { $0.contains("auth.metrics_key: the metrics key must have at least 16 characters") })
        #expect(problems("auth: { metrics_key: \(Self.metricsKey), status_access: open }\n").contains { $0.contains("status_access must be 'key'") })
        let limits = problems("server:\n  max_connections: 10\n  max_connections_per_address: 20\n  header_read_timeout: 0s\n")
        #expect(limits.contains { $0.contains("server.max_connections_per_address: must be at most server.max_connections") }, "\(limits)")
        #expect(limits.contains { $0.contains("server.header_read_timeout: must be greater than zero") }, "\(limits)")
        #expect(problems("server: { max_connections: 0 }\n").contains { $0.contains("server.max_connections: must be at least 1") })
    }

    @Test func connectionLimitsHaveDefaultsAndAreRead() throws {
        let defaults = try ConfigLoader.parse(yaml: "models: [{ name: m, deployments: [{ provider: mock }] }]\n", environment: [:])
        #expect(defaults.server.connections == ConnectionLimits())
        #expect(defaults.statusAccess == .open)
        let set = try ConfigLoader.parse(
            yaml: """
                server: { max_connections: 100, header_read_timeout: 5s, body_read_timeout: 30s, keep_alive_timeout: 20s }
                auth: { metrics_key: \(Self.metricsKey) }
                models: [{ name: m, deployments: [{ provider: mock }] }]

                """,
            environment: [:]
        )
        #expect(set.server.connections.maxConnections == 100)
        #expect(set.server.connections.maxConnectionsPerAddress == 100)
        #expect(set.server.connections.headerReadTimeout == .seconds(5))
        #expect(set.server.connections.bodyReadTimeout == .seconds(30))
        #expect(set.server.connections.keepAliveTimeout == .seconds(20))
        #expect(set.statusAccess == .key(metricsKey: Secret(Self.metricsKey)))
    }
}
