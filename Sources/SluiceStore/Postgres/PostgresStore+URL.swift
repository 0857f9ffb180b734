import Foundation

extension PostgresStore.Configuration {
    /// Reads `postgres://user:password@host:port/database?sslmode=…&schema=…` (or `postgresql://`).
    /// User, password and database are percent-decoded; the port defaults to 5432. Query
    /// parameters: `sslmode` (`disable`, `prefer`, `require`, `verify-ca`, `verify-full`; default
    /// `disable` for a loopback host, `prefer` otherwise), `schema` (lowercase letters, digits and `_`)
    /// and `connect_timeout` (whole seconds an operation waits for a connection; default 10).
    public init(url: String) throws {
        guard let schemeEnd = url.range(of: "://"), ["postgres", "postgresql"].contains(url[..<schemeEnd.lowerBound].lowercased()) else {
            throw StoreError.unavailable("not a postgres:// URL: \(Self.redacted(url))")
        }
        var rest = Substring(url[schemeEnd.upperBound...])
        var parameters: [String: String] = [:]
        if let queryStart = rest.firstIndex(of: "?") {
            parameters = try Self.parameters(rest[rest.index(after: queryStart)...], url: url)
            rest = rest[..<queryStart]
        }
        var database: String?
        if let pathStart = rest.firstIndex(of: "/") {
            let path = try Self.decoded(rest[rest.index(after: pathStart)...], url: url)
            database = path.isEmpty ? nil : path
            rest = rest[..<pathStart]
        }
        var username = ""
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            if let colon = userInfo.firstIndex(of: ":") {
                username = try Self.decoded(userInfo[..<colon], url: url)
                password = try Self.decoded(userInfo[userInfo.index(after: colon)...], url: url)
            } else {
                username = try Self.decoded(userInfo, url: url)
            }
            rest = rest[rest.index(after: at)...]
        }
        let (host, port) = try Self.hostAndPort(rest, url: url)
        guard !username.isEmpty else { throw StoreError.unavailable("no user name in PostgreSQL URL \(Self.redacted(url))") }

        var tls: TLSMode?
        if let mode = parameters.removeValue(forKey: "sslmode") {
            guard let known = TLSMode(rawValue: mode) else {
                throw StoreError.unavailable("unknown sslmode '\(mode)' in PostgreSQL URL (use one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            tls = known
        }
        let schema = parameters.removeValue(forKey: "schema")
        if let schema, !Self.isPlainIdentifier(schema) {
            throw StoreError.unavailable("schema '\(schema)' in PostgreSQL URL: use lowercase letters, digits and _ only, not starting with a digit")
        }
        var connectionTimeout = Duration.seconds(10)
        if let text = parameters.removeValue(forKey: "connect_timeout") {
            guard let seconds = Int(text), (1...3_600).contains(seconds) else {
                throw StoreError.unavailable("connect_timeout '\(text)' in PostgreSQL URL: give whole seconds from 1 to 3600")
            }
            connectionTimeout = .seconds(seconds)
        }
        if let unknown = parameters.keys.sorted().first {
            throw StoreError.unavailable("unknown parameter '\(unknown)' in PostgreSQL URL (known: sslmode, schema, connect_timeout)")
        }
        self.init(
            host: host, port: port, username: username, password: password, database: database, schema: schema, tls: tls, connectionTimeout: connectionTimeout
        )
    }

    /// A name that needs no quoting in SQL and means the same quoted or not: lowercase ASCII
    /// letters, digits and `_`, not starting with a digit, at most 63 bytes.
    static func isPlainIdentifier(_ name: String) -> Bool {
        let scalars = name.unicodeScalars
        guard let first = scalars.first, !("0"..."9").contains(first), scalars.count <= 63 else { return false }
        return scalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    private static func hostAndPort(_ authority: Substring, url: String) throws -> (String, Int) {
        var host = authority
        var portText: Substring?
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            let afterBracket = host[host.index(after: close)...]
            if afterBracket.hasPrefix(":") { portText = afterBracket.dropFirst() } else if !afterBracket.isEmpty {
                throw StoreError.unavailable("bad host in PostgreSQL URL \(Self.redacted(url))")
            }
            host = host[host.index(after: host.startIndex)..<close]
        } else if let colon = host.lastIndex(of: ":") {
            portText = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        guard !host.isEmpty else { throw StoreError.unavailable("no host in PostgreSQL URL \(Self.redacted(url))") }
        guard let portText else { return (String(host), 5432) }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw StoreError.unavailable("bad port '\(portText)' in PostgreSQL URL \(Self.redacted(url))")
        }
        return (String(host), port)
    }

    private static func parameters(_ query: Substring, url: String) throws -> [String: String] {
        var parameters: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw StoreError.unavailable("bad parameter '\(pair)' in PostgreSQL URL \(Self.redacted(url))") }
            parameters[try Self.decoded(parts[0], url: url)] = try Self.decoded(parts[1], url: url)
        }
        return parameters
    }

    private static func decoded(_ text: Substring, url: String) throws -> String {
        guard let decoded = String(text).removingPercentEncoding else {
            throw StoreError.unavailable("bad percent-encoding in PostgreSQL URL \(Self.redacted(url))")
        }
        return decoded
    }

    /// The URL with its password replaced, for error messages.
    static func redacted(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let afterScheme = url[schemeEnd.upperBound...]
        let authorityEnd = afterScheme.firstIndex { $0 == "/" || $0 == "?" } ?? afterScheme.endIndex
        guard let at = afterScheme[..<authorityEnd].lastIndex(of: "@"),
            let colon = afterScheme[..<at].firstIndex(of: ":")
        else { return url }
        return String(url[..<afterScheme.index(after: colon)]) + "***" + String(url[at...])
    }
}
