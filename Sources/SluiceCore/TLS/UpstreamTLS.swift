/// How the gateway's TLS connections to one upstream differ from the default (the system's trust
/// store, no client certificate, the base URL's host as the server name): a private CA to trust,
/// a client certificate to present (mutual TLS), a server name to expect.
///
/// Part of ``UpstreamOrigin``, so connections with different settings never share a pool.
public struct UpstreamTLS: Sendable, Hashable {
    /// Certificates to trust instead of the system's (PEM); nil for the system's trust store.
    public var trustRoots: PEMFile?
    /// The client certificate chain (PEM, leaf first) and its private key; both or neither.
    public var clientCertificate: PEMFile?
    public var clientKey: PEMFile?
    /// The name the server's certificate must carry (and the SNI sent), when it is not the base
    /// URL's host: an upstream reached by IP address, say.
    public var serverName: String?

    public init(trustRoots: PEMFile? = nil, clientCertificate: PEMFile? = nil, clientKey: PEMFile? = nil, serverName: String? = nil) {
        self.trustRoots = trustRoots
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
        self.serverName = serverName
    }
}
