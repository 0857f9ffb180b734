import SluiceStore
import Testing

@Suite("PostgreSQL URLs")
struct PostgresConfigurationTests {
    @Test func aFullURL() throws {
        let configuration = try PostgresStore.Configuration(url: "postgresql://sluice:p%40ss%3Aword@db.example.com:6543/gov?sslmode=verify-full&schema=tenant_a")
        #expect(configuration == PostgresStore.Configuration(
            host: "db.example.com", port: 6543, username: "sluice", password: "p@ss:word", database: "gov", schema: "tenant_a", tls: .verifyFull
        ))
    }

    @Test func defaultsPortDatabaseAndTLSByHost() throws {
        let loopback = try PostgresStore.Configuration(url: "postgres://postgres@127.0.0.1")
        #expect(loopback == PostgresStore.Configuration(host: "127.0.0.1", port: 5432, username: "postgres", tls: .disable))
        #expect(try PostgresStore.Configuration(url: "postgres://u@localhost:5432/").tls == .disable)
        #expect(try PostgresStore.Configuration(url: "postgres://u@db.internal/x").tls == .prefer)
        #expect(try PostgresStore.Configuration(url: "postgres://u@db.internal/x?sslmode=disable").tls == .disable)
    }

    @Test func ipv6Hosts() throws {
        let configuration = try PostgresStore.Configuration(url: "postgres://u:pw@[::1]:55432/db")
        #expect((configuration.host, configuration.port, configuration.password, configuration.tls) == ("::1", 55432, "pw", .disable))
        #expect(try PostgresStore.Configuration(url: "postgres://u@[fd00::5]/db").host == "fd00::5")
    }

    @Test(arguments: [
        ("mysql://u@h/db", "not a postgres:// URL"),
        ("postgres://h/db", "no user name"),
        ("postgres://u@/db", "no host"),
        ("postgres://u@h:99999/db", "bad port"),
        ("postgres://u@h/db?sslmode=maybe", "unknown sslmode 'maybe'"),
        ("postgres://u@h/db?schema=Tenants", "schema 'Tenants'"),
        ("postgres://u@h/db?pool=3", "unknown parameter 'pool'"),
    ])
    func badURLsAreExplained(url: String, problem: String) throws {
        let error = try #require(throws: StoreError.self) { try PostgresStore.Configuration(url: url) }
        #expect("\(error)".contains(problem), "\(error)")
    }

    @Test func errorsNeverShowThePassword() throws {
        let error = try #require(throws: StoreError.self) { try PostgresStore.Configuration(url: "postgres://u:hunter2@h:0/db") }
        #expect("\(error)".contains("postgres://u:***@h:0/db") && !"\(error)".contains("hunter2"), "\(error)")
    }
}
