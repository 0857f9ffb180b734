import SluiceCore

/// TLS on the listening port: the certificate chain and key clients are shown, and the CAs whose
/// client certificates the gateway asks for.
///
/// The files are read (and checked) when the config is loaded, so a reload with a certificate
/// rotated in place is a change, and one whose files are broken is refused before anything moves.
public struct ServerTLS: Sendable, Equatable {
    /// The certificate chain, PEM, leaf first (`server.tls.cert_file`).
    public var certificateChain: PEMFile
    /// The leaf's private key, PEM, unencrypted (`server.tls.key_file`); it never prints.
    public var privateKey: PEMFile
    /// CAs whose client certificates are asked for and checked (`server.tls.client_ca_file`).
    /// A client may still connect without one: routes that need one say so (the admin API,
    /// with `auth.admin_client_certificate`). Nil: no client certificate is asked for.
    public var clientCA: PEMFile?

    public init(certificateChain: PEMFile, privateKey: PEMFile, clientCA: PEMFile? = nil) {
        self.certificateChain = certificateChain
        self.privateKey = privateKey
        self.clientCA = clientCA
    }
}

/// A verified client certificate that the admin API (`/admin/`, `/ui`) requires, on top of the
/// admin key when one is set (`auth.admin_client_certificate`).
public struct AdminClientCertificate: Sendable, Equatable {
    /// The subject common names admitted; empty admits any certificate `server.tls.client_ca_file` verifies.
    public var commonNames: [String]

    public init(commonNames: [String] = []) {
        self.commonNames = commonNames
    }
}
