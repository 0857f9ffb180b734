import Foundation
import NIOSSL
import SluiceCore
import Yams

extension ConfigLoader {
    /// `server.tls`: `cert_file` and `key_file` (both required), `client_ca_file`. Each file is
    /// read and parsed, and the key is checked against the certificate, so that a missing,
    /// unreadable or mismatched file is a problem with its place in the config (and a reload
    /// with one is refused, keeping the running certificate).
    static func serverTLS(_ node: Node, reader: inout ConfigReader) -> ServerTLS? {
        let members = reader.mapping(node, at: "server.tls", allowed: ["cert_file", "key_file", "client_ca_file"])
        for key in ["cert_file", "key_file"] where members[key] == nil {
            reader.report("missing required key '\(key)'", at: "server.tls", node: node)
        }
        let certificate = members["cert_file"].flatMap { self.certificateFile($0, at: "server.tls.cert_file", reader: &reader) }
        let key = members["key_file"].flatMap { self.keyFile($0, at: "server.tls.key_file", reader: &reader) }
        let clientCA = members["client_ca_file"].flatMap { self.certificateFile($0, at: "server.tls.client_ca_file", reader: &reader) }
        if members["client_ca_file"] != nil && clientCA == nil { return nil }
        guard let certificate, let key else { return nil }
        let settings = ServerTLS(certificateChain: certificate, privateKey: key, clientCA: clientCA)
        do {
            _ = try NIOSSLContext(configuration: try TLSConfiguration.listener(settings))
        } catch {
            reader.report("the key does not match the certificate of server.tls.cert_file", at: "server.tls.key_file", node: members["key_file"])
            return nil
        }
        return settings
    }

    /// `auth.admin_client_certificate`: `{ common_names: [...] }`, or `{}` for any certificate the
    /// client CA verifies. It needs `server.tls.client_ca_file`.
    static func adminClientCertificate(_ node: Node, serverTLS: ServerTLS?, reader: inout ConfigReader) -> AdminClientCertificate? {
        let path = "auth.admin_client_certificate"
        let members = reader.mapping(node, at: path, allowed: ["common_names"])
        var names: [String] = []
        if let list = members["common_names"] {
            names = reader.sequence(list, at: "\(path).common_names").enumerated().compactMap { index, item in
                guard let name = reader.string(item, at: "\(path).common_names[\(index)]") else { return nil }
                if name.isEmpty { reader.report("must not be empty", at: "\(path).common_names[\(index)]", node: item) }
                return name
            }
        }
        if serverTLS?.clientCA == nil {
            reader.report("needs server.tls.client_ca_file: the CAs that sign admin client certificates", at: path, node: node)
        }
        return AdminClientCertificate(commonNames: names)
    }

    /// A deployment's `tls`: `ca_file`, `cert_file` with `key_file`, `server_name`; only for an
    /// `https` base URL. The files are checked as the listener's are.
    static func upstreamTLS(_ node: Node, at path: String, origin: UpstreamOrigin, reader: inout ConfigReader) -> UpstreamTLS? {
        let members = reader.mapping(node, at: path, allowed: ["ca_file", "cert_file", "key_file", "server_name"])
        guard origin.tls else {
            reader.report("applies only to an https base_url", at: path, node: node)
            return nil
        }
        var settings = UpstreamTLS()
        var complete = true
        if let file = members["ca_file"] {
            settings.trustRoots = self.certificateFile(file, at: "\(path).ca_file", reader: &reader)
            complete = complete && settings.trustRoots != nil
        }
        switch (members["cert_file"], members["key_file"]) {
        case (nil, nil): break
        case (let certificate?, let key?):
            settings.clientCertificate = self.certificateFile(certificate, at: "\(path).cert_file", reader: &reader)
            settings.clientKey = self.keyFile(key, at: "\(path).key_file", reader: &reader)
            complete = complete && settings.clientCertificate != nil && settings.clientKey != nil
        case (nil, _?):
            reader.report("missing required key 'cert_file' (key_file is the key of a client certificate)", at: path, node: node)
            complete = false
        case (_?, nil):
            reader.report("missing required key 'key_file' (the client certificate's private key)", at: path, node: node)
            complete = false
        }
        if let nameNode = members["server_name"], let name = reader.string(nameNode, at: "\(path).server_name") {
            if name.isEmpty { reader.report("must not be empty", at: "\(path).server_name", node: nameNode) } else { settings.serverName = name }
        }
        guard complete else { return nil }
        do {
            _ = try NIOSSLContext(configuration: try TLSConfiguration.upstream(settings))
        } catch {
            reader.report("the key does not match the certificate of \(path).cert_file", at: "\(path).key_file", node: members["key_file"])
            return nil
        }
        return settings
    }

    // MARK: - Files

    /// A file of PEM certificates, read and parsed.
    private static func certificateFile(_ node: Node, at path: String, reader: inout ConfigReader) -> PEMFile? {
        guard let file = self.pemFile(node, at: path, reader: &reader) else { return nil }
        do {
            _ = try TLSMaterial.certificates(file)
        } catch {
            reader.report("\(error)", at: path, node: node)
            return nil
        }
        return file
    }

    /// A PEM private key file, read and parsed; no message shows its contents.
    private static func keyFile(_ node: Node, at path: String, reader: inout ConfigReader) -> PEMFile? {
        guard let file = self.pemFile(node, at: path, reader: &reader) else { return nil }
        do {
            _ = try TLSMaterial.privateKey(file)
        } catch {
            reader.report("\(error)", at: path, node: node)
            return nil
        }
        return file
    }

    private static func pemFile(_ node: Node, at path: String, reader: inout ConfigReader) -> PEMFile? {
        guard let name = reader.string(node, at: path) else { return nil }
        guard !name.isEmpty else {
            reader.report("must not be empty", at: path, node: node)
            return nil
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: name, isDirectory: &isDirectory) else {
            reader.report("'\(name)': no such file", at: path, node: node)
            return nil
        }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: name) else {
            reader.report("'\(name)': cannot read the file", at: path, node: node)
            return nil
        }
        return PEMFile(path: name, bytes: Array(data))
    }
}
