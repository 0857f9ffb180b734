/// Where a deployment's requests go: scheme, host and port, and the path prefix of its API,
/// parsed once from the configured base URL.
public struct UpstreamOrigin: Hashable, Sendable {
    public let tls: Bool
    public let host: String
    public let port: Int
    /// The base URL's path without a trailing slash, such as `/v1`.
    public let basePath: String
    /// A private CA, a client certificate or a server name for `https` connections; nil for the
    /// defaults. Origins that differ only here are separate pools.
    public var tlsSettings: UpstreamTLS?

    /// Parses `http(s)://host[:port][/path]`; nil when it is not such a URL.
    public init?(baseURL: String) {
        let lower = baseURL.lowercased()
        let tls: Bool
        if lower.hasPrefix("https://") {
            tls = true
        } else if lower.hasPrefix("http://") {
            tls = false
        } else {
            return nil
        }
        let rest = baseURL.dropFirst(tls ? 8 : 7)
        let authority = rest.prefix { $0 != "/" }
        var path = String(rest.dropFirst(authority.count))
        while path.hasSuffix("/") { path.removeLast() }
        let hostAndPort = authority.split(separator: "@").last.map(String.init) ?? ""
        var host = hostAndPort
        var port = tls ? 443 : 80
        if hostAndPort.hasPrefix("["), let close = hostAndPort.firstIndex(of: "]") {
            host = String(hostAndPort[hostAndPort.index(after: hostAndPort.startIndex)..<close])
            let after = hostAndPort[hostAndPort.index(after: close)...]
            if after.hasPrefix(":") {
                guard let number = Int(after.dropFirst()) else { return nil }
                port = number
            }
        } else if let colon = hostAndPort.lastIndex(of: ":") {
            host = String(hostAndPort[..<colon])
            guard let number = Int(hostAndPort[hostAndPort.index(after: colon)...]) else { return nil }
            port = number
        }
        guard !host.isEmpty, (1...65535).contains(port) else { return nil }
        self.tls = tls
        self.host = host
        self.port = port
        self.basePath = path
    }

    /// The `Host` header value.
    public var hostHeader: String {
        let bracketed = self.host.contains(":") ? "[\(self.host)]" : self.host
        return self.port == (self.tls ? 443 : 80) ? bracketed : "\(bracketed):\(self.port)"
    }

    /// Whether the host is an IP address literal (no SNI is sent for those).
    public var isIPAddress: Bool {
        self.host.contains(":") || self.host.split(separator: ".").allSatisfy { UInt8($0) != nil }
    }
}
