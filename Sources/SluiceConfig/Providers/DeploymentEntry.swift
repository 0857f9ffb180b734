import SluiceCore
import Yams

/// One deployment's mapping as its provider kind's settings reader sees it: the members by key,
/// the path that messages name, and the node a missing key is reported at.
struct DeploymentEntry {
    let members: [String: Node]
    let path: String
    let node: Node
    let kind: ProviderKind

    /// `api_key`, kept out of every message. An empty key (an unset variable with an empty
    /// default, `${KEY:-}`) is no key, so that servers which take none are sent none.
    func apiKey(reader: inout ConfigReader) -> Secret? {
        guard let node = self.members["api_key"], let key = reader.string(node, at: "\(self.path).api_key", secret: true) else { return nil }
        return key.isEmpty ? nil : Secret(key)
    }

    /// `base_url` parsed into where requests go, with the deployment's `tls` settings; `fallback` when the deployment names none, or a
    /// missing-key problem when the kind has no default.
    func origin(default fallback: String?, reader: inout ConfigReader) -> UpstreamOrigin? {
        let url: String
        if let node = self.members["base_url"] {
            guard let text = reader.string(node, at: "\(self.path).base_url") else { return nil }
            url = text
        } else if let fallback {
            url = fallback
        } else {
            reader.report("missing required key 'base_url' for provider \(self.kind.rawValue)", at: self.path, node: self.node)
            return nil
        }
        guard var origin = UpstreamOrigin(baseURL: url) else {
            reader.report("not a valid http(s) URL: '\(url)'", at: "\(self.path).base_url", node: self.members["base_url"] ?? self.node)
            return nil
        }
        if let tls = self.members["tls"] {
            origin.tlsSettings = ConfigLoader.upstreamTLS(tls, at: "\(self.path).tls", origin: origin, reader: &reader)
        }
        return origin
    }

    /// A non-empty string setting of this kind, such as Azure's `api_version`; nil when absent.
    /// `secret` keeps the value out of every message.
    func setting(_ key: String, secret: Bool = false, reader: inout ConfigReader) -> String? {
        guard let node = self.members[key], let value = reader.string(node, at: "\(self.path).\(key)", secret: secret) else { return nil }
        guard !value.isEmpty else {
            reader.report("must not be empty", at: "\(self.path).\(key)", node: node)
            return nil
        }
        return value
    }

    /// A boolean setting of this kind, such as OpenAI's `responses_api`; nil when absent.
    func flag(_ key: String, reader: inout ConfigReader) -> Bool? {
        guard let node = self.members[key] else { return nil }
        return reader.boolean(node, at: "\(self.path).\(key)")
    }

    /// As ``setting(_:secret:reader:)``, reporting the key as missing when the deployment has none.
    func requiredSetting(_ key: String, secret: Bool = false, reader: inout ConfigReader) -> String? {
        guard self.members[key] != nil else {
            reader.report("missing required key '\(key)' for provider \(self.kind.rawValue)", at: self.path, node: self.node)
            return nil
        }
        return self.setting(key, secret: secret, reader: &reader)
    }
}
