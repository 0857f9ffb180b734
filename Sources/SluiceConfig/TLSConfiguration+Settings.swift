import NIOSSL
import SluiceCore

/// The one place that turns TLS settings into swift-nio-ssl configurations: the config loader
/// builds a context from each to check it, and the listener and the upstream client build theirs
/// with the same code from the same bytes.
extension TLSConfiguration {
    /// The ALPN protocol the listener offers: it serves HTTP/1.1 only.
    public static let listenerProtocols = ["http/1.1"]

    /// The listener's configuration: TLS 1.2 or later, ALPN `http/1.1`, and with a client CA a
    /// request for a client certificate (checked against it when one is presented, but not required).
    public static func listener(_ settings: ServerTLS) throws(TLSMaterialError) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try TLSMaterial.certificates(settings.certificateChain).map { .certificate($0) },
            privateKey: .privateKey(try TLSMaterial.privateKey(settings.privateKey))
        )
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = Self.listenerProtocols
        if let clientCA = settings.clientCA {
            configuration.trustRoots = .certificates(try TLSMaterial.certificates(clientCA))
            configuration.certificateVerification = .optionalVerification
            // Clients (curl, openssl s_client, browsers) pick which certificate to present by these names.
            configuration.sendCANameList = true
        }
        return configuration
    }

    /// The configuration of connections to an upstream: TLS 1.2 or later, full verification
    /// against the system's trust store or the given CAs, and the client certificate when one is set.
    public static func upstream(_ settings: UpstreamTLS?) throws(TLSMaterialError) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        guard let settings else { return configuration }
        if let roots = settings.trustRoots {
            configuration.trustRoots = .certificates(try TLSMaterial.certificates(roots))
        }
        if let certificate = settings.clientCertificate, let key = settings.clientKey {
            configuration.certificateChain = try TLSMaterial.certificates(certificate).map { .certificate($0) }
            configuration.privateKey = .privateKey(try TLSMaterial.privateKey(key))
        }
        return configuration
    }
}

/// Certificates and keys parsed from ``PEMFile``s.
public enum TLSMaterial {
    /// The certificates of a PEM file, in order.
    public static func certificates(_ file: PEMFile) throws(TLSMaterialError) -> [NIOSSLCertificate] {
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMBytes(file.bytes)
        } catch {
            throw TLSMaterialError(file: file, problem: "not a PEM certificate file")
        }
        guard !certificates.isEmpty else { throw TLSMaterialError(file: file, problem: "holds no PEM certificate") }
        return certificates
    }

    /// The private key of a PEM file.
    public static func privateKey(_ file: PEMFile) throws(TLSMaterialError) -> NIOSSLPrivateKey {
        do {
            return try NIOSSLPrivateKey(bytes: file.bytes, format: .pem)
        } catch {
            // The library's error says nothing of the key, but is no help either: name the likely causes.
            throw TLSMaterialError(file: file, problem: "not an unencrypted PEM private key")
        }
    }
}

/// A certificate or key file that cannot be used; it names the file, never its contents.
public struct TLSMaterialError: Error, Sendable, CustomStringConvertible {
    public let file: PEMFile
    public let problem: String

    public var description: String { "'\(self.file.path)': \(self.problem)" }
}
