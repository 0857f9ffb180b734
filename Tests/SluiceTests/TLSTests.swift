import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import SluiceConfig
import SluiceCore
@testable import SluiceServer
import Testing

/// Settings and clients shared by the TLS suites.
enum TLSTestSupport {
    /// The harness's default settings with the listener on TLS and an admin key.
    static func settings(
        _ pair: TestCertificates.Pair, clientCA: String? = nil, adminClientCertificate: String? = nil
    ) -> String {
        let clientCA = clientCA.map { ", client_ca_file: \($0)" } ?? ""
        let admin = adminClientCertificate.map { ", admin_client_certificate: \($0)" } ?? ""
        return """
            server: { host: 127.0.0.1, port: 0, max_request_body: 64KiB, drain_timeout: 2s, tls: { cert_file: \(pair.certificate), key_file: \(pair.key)\(clientCA) } }
            log: { level: info }
            timeouts: { connect: 1s, first_token: 1s, between_tokens: 500ms, request: 5s }
            auth: { api_keys: [sk-test], admin_key: \(GatewayHarness.adminKey)\(admin) }

            """
    }

    /// A client configuration that trusts the test CA, presenting `certificate` when given.
    static func client(_ certificates: TestCertificates, presenting certificate: TestCertificates.Pair? = nil) throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(certificates.ca.certificate)
        if let certificate {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate.certificate).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: certificate.key, format: .pem))
        }
        return tls
    }

    /// Runs `body` with an HTTP client of `tls`, shut down afterwards.
    static func withHTTPClient(_ tls: TLSConfiguration, _ body: (HTTPClient) async throws -> Void) async throws {
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        do {
            try await body(http)
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
    }

    /// Runs `body` against a gateway started with `settings`, and a client of it trusting the test CA.
    static func withTLSGateway(
        settings: String, _ certificates: TestCertificates, _ body: (GatewayHarness, TestClient) async throws -> Void
    ) async throws {
        try await withGateway(settings: settings) { harness, _ in
            try await Self.withHTTPClient(try Self.client(certificates)) { http in
                try await body(harness, TestClient(baseURL: harness.baseURL, http: http))
            }
        }
    }

    static func port(_ harness: GatewayHarness) -> Int { URL(string: harness.baseURL)?.port ?? 0 }

    static let chat = #"{"model":"stub-ok","messages":[{"role":"user","content":"Say hello"}]}"#
    static let streamedChat = #"{"model":"stub-ok","stream":true,"messages":[{"role":"user","content":"Say hello"}]}"#
}

@Suite("TLS listener")
struct TLSListenerTests {
    @Test func servesRequestsWholeAndStreamedOverTLS() async throws {
        let certificates = try TestCertificates.shared()
        try await TLSTestSupport.withTLSGateway(settings: TLSTestSupport.settings(certificates.server), certificates) { harness, client in
            #expect(harness.baseURL.hasPrefix("https://"))
            let whole = try await client.request(.POST, "/v1/chat/completions", body: TLSTestSupport.chat)
            #expect(whole.status == 200, "\(whole.body)")
            let choices = whole.json["choices"] as? [[String: Any]]
            #expect((choices?.first?["message"] as? [String: Any])?["content"] as? String == "Hello! How can I assist you today?")
            let streamed = try await client.request(.POST, "/v1/chat/completions", body: TLSTestSupport.streamedChat)
            #expect(streamed.status == 200)
            #expect(streamed.events.last == "[DONE]")
            let text = streamed.eventObjects.compactMap { (($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String }.joined()
            #expect(text == "Hello there!")
        }
    }

    @Test func acceptsTLS12And13WithALPNHTTP11AndRefusesTLS11AndPlaintext() async throws {
        let certificates = try TestCertificates.shared()
        try await TLSTestSupport.withTLSGateway(settings: TLSTestSupport.settings(certificates.server), certificates) { harness, _ in
            let port = TLSTestSupport.port(harness)
            for version in [TLSVersion.tlsv12, .tlsv13] {
                var tls = try TLSTestSupport.client(certificates)
                tls.minimumTLSVersion = version
                tls.maximumTLSVersion = version
                tls.applicationProtocols = ["h2", "http/1.1"]
                let connection = try await TLSTestConnection.open(port: port, configuration: tls)
                #expect(try await connection.version() == version)
                #expect(connection.negotiatedProtocol == "http/1.1")
                let health = try await connection.get("/health")
                #expect(health.status == "HTTP/1.1 200 OK", "\(health)")
                await connection.close()
            }

            var old = try TLSTestSupport.client(certificates)
            old.minimumTLSVersion = .tlsv11
            old.maximumTLSVersion = .tlsv11
            let refusal = await #expect(throws: (any Error).self) { try await TLSTestConnection.open(port: port, configuration: old) }
            // BoringSSL's name for the server's protocol_version alert.
            #expect(refusal.map { "\($0)" }?.contains("TLSV1_ALERT_PROTOCOL_VERSION") == true, "\(String(describing: refusal))")

            let plain = try await RawConnection.open(port: port)
            try await plain.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(await plain.waitUntilServerEnds(within: .seconds(5)))
            #expect(!plain.text.contains("HTTP/1.1"))
        }
    }

    @Test func opensslSClientNegotiatesHTTP11AndIsRefusedTLS11() async throws {
        let certificates = try TestCertificates.shared()
        try await TLSTestSupport.withTLSGateway(settings: TLSTestSupport.settings(certificates.server), certificates) { harness, _ in
            let address = "127.0.0.1:\(TLSTestSupport.port(harness))"
            let request = "GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
            for (flag, name) in [("-tls1_2", "TLSv1.2"), ("-tls1_3", "TLSv1.3")] {
                let accepted = try OpenSSL.run(
                    ["s_client", "-connect", address, "-servername", "localhost", flag, "-alpn", "http/1.1", "-CAfile", certificates.ca.certificate,
                     "-verify_return_error", "-ign_eof"],
                    input: request, check: false
                )
                #expect(accepted.output.contains("ALPN protocol: http/1.1"), "\(accepted.output)")
                #expect(accepted.output.contains("Verify return code: 0 (ok)"), "\(accepted.output)")
                #expect(accepted.output.contains("New, \(name),"), "\(accepted.output)")
                #expect(accepted.output.contains("HTTP/1.1 200 OK"), "\(accepted.output)")
            }
            // OpenSSL offers TLS 1.1 only at security level 0; the gateway answers with a protocol_version alert.
            let refused = try OpenSSL.run(
                ["s_client", "-connect", address, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0", "-CAfile", certificates.ca.certificate], check: false
            )
            #expect(refused.status != 0)
            #expect(refused.output.contains("alert protocol version"), "\(refused.output)")
        }
    }

    @Test func aReloadServesNewConnectionsTheNewCertificateAndOpenOnesGoOn() async throws {
        let certificates = try TestCertificates.shared()
        let files = try certificates.copy(certificates.server)
        let original = try NIOSSLCertificate.fromPEMFile(certificates.server.certificate)
        let renewed = try NIOSSLCertificate.fromPEMFile(certificates.renewed.certificate)
        try await TLSTestSupport.withTLSGateway(settings: TLSTestSupport.settings(files), certificates) { harness, client in
            let port = TLSTestSupport.port(harness)
            let kept = try await TLSTestConnection.open(port: port, configuration: try TLSTestSupport.client(certificates))
            #expect(try await kept.get("/health").status == "HTTP/1.1 200 OK")
            #expect(try await kept.serverCertificate() == original.first)

            // The certificate is renewed in place, as certbot or cert-manager do.
            try Data(contentsOf: URL(fileURLWithPath: certificates.renewed.certificate)).write(to: URL(fileURLWithPath: files.certificate))
            try Data(contentsOf: URL(fileURLWithPath: certificates.renewed.key)).write(to: URL(fileURLWithPath: files.key))
            let reloaded = try await client.request(.POST, "/admin/reload", key: GatewayHarness.adminKey)
            #expect(reloaded.status == 200, "\(reloaded.body)")
            #expect(reloaded.json["restart_required"] as? [String] == [])
            #expect(harness.logs.all.contains { $0.contains("listener certificate replaced") })

            #expect(try await kept.get("/health").status == "HTTP/1.1 200 OK")
            let fresh = try await TLSTestConnection.open(port: port, configuration: try TLSTestSupport.client(certificates))
            #expect(try await fresh.serverCertificate() == renewed.first)
            #expect(try await fresh.get("/health").status == "HTTP/1.1 200 OK")
            await fresh.close()
            await kept.close()
        }
    }

    @Test func aReloadWithBrokenCertificateFilesIsRefusedAndTheRunningCertificateStays() async throws {
        let certificates = try TestCertificates.shared()
        let files = try certificates.copy(certificates.server)
        let original = try NIOSSLCertificate.fromPEMFile(certificates.server.certificate)
        let renewedKey = try String(contentsOfFile: certificates.renewed.key, encoding: .utf8)
        try await TLSTestSupport.withTLSGateway(settings: TLSTestSupport.settings(files), certificates) { harness, client in
            let port = TLSTestSupport.port(harness)
            // A certificate file cut short mid-write.
            try "-----BEGIN CERTIFICATE-----\nMIIB\n".write(toFile: files.certificate, atomically: true, encoding: .utf8)
            let truncated = try await client.request(.POST, "/admin/reload", key: GatewayHarness.adminKey)
            #expect(truncated.status == 400)
            #expect(truncated.error["code"] as? String == "invalid_config")
            let truncatedMessage = truncated.error["message"] as? String ?? ""
            #expect(truncatedMessage.contains("server.tls.cert_file") && truncatedMessage.contains(files.certificate), "\(truncatedMessage)")

            // The right certificate with another certificate's key.
            try FileManager.default.removeItem(atPath: files.certificate)
            try FileManager.default.copyItem(atPath: certificates.server.certificate, toPath: files.certificate)
            try renewedKey.write(toFile: files.key, atomically: true, encoding: .utf8)
            let mismatched = try await client.request(.POST, "/admin/reload", key: GatewayHarness.adminKey)
            #expect(mismatched.status == 400)
            let mismatchedMessage = mismatched.error["message"] as? String ?? ""
            #expect(mismatchedMessage.contains("server.tls.key_file: the key does not match the certificate"), "\(mismatchedMessage)")

            let keyBody = renewedKey.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
            #expect(!mismatched.body.contains(keyBody) && !mismatched.body.contains("PRIVATE KEY"))
            #expect(!harness.logs.all.contains { $0.contains(keyBody) || $0.contains("PRIVATE KEY") })
            #expect(harness.logs.all.contains { $0.contains("config reload refused") })

            let connection = try await TLSTestConnection.open(port: port, configuration: try TLSTestSupport.client(certificates))
            #expect(try await connection.serverCertificate() == original.first)
            #expect(try await connection.get("/health").status == "HTTP/1.1 200 OK")
            await connection.close()
        }
    }

    @Test func turningTLSOffTakesARestart() async throws {
        let certificates = try TestCertificates.shared()
        let tls = try #require(try ConfigLoader.parse(yaml: TLSTestSupport.settings(certificates.server) + "models: [{ name: demo, deployments: [{ provider: mock }] }]\n", environment: [:]).server.tls)
        var running = GatewayConfig()
        running.server.tls = tls
        let (kept, restartRequired) = GatewayConfig().keepingRestartOnlySettings(of: running)
        #expect(restartRequired == ["server.tls"])
        #expect(kept.server.tls == tls)
        var renewed = running
        renewed.server.tls?.certificateChain = PEMFile(path: tls.certificateChain.path, bytes: Array(try Data(contentsOf: URL(fileURLWithPath: certificates.renewed.certificate))))
        #expect(renewed.keepingRestartOnlySettings(of: running).restartRequired == [])
    }
}

@Suite("TLS reload on SIGHUP", .serialized)
struct TLSHangUpTests {
    @Test func sighupServesTheRenewedCertificateAndKeepsItWhenTheNextIsBroken() async throws {
        let certificates = try TestCertificates.shared()
        let files = try certificates.copy(certificates.server)
        let config = """
            server: { host: 127.0.0.1, port: 0, tls: { cert_file: \(files.certificate), key_file: \(files.key) } }
            log: { level: info, format: json }
            auth: { api_keys: [sk-test] }
            models:
              - name: demo
                deployments: [{ provider: mock }]

            """
        let original = try NIOSSLCertificate.fromPEMFile(certificates.server.certificate).first
        let renewed = try NIOSSLCertificate.fromPEMFile(certificates.renewed.certificate).first
        try await TLSTestSupport.withHTTPClient(try TLSTestSupport.client(certificates)) { http in
            let gateway = try await SluiceProcess.start(config: config, tlsClient: http)
            defer { gateway.kill() }
            #expect(gateway.output.contains(#""tls":true"#), "\(gateway.output)")
            let trust = try TLSTestSupport.client(certificates)
            func served() async throws -> NIOSSLCertificate? {
                let connection = try await TLSTestConnection.open(port: gateway.port, configuration: trust)
                defer { Task { await connection.close() } }
                return try await connection.serverCertificate()
            }
            let kept = try await TLSTestConnection.open(port: gateway.port, configuration: trust)
            #expect(try await kept.serverCertificate() == original)

            try FileManager.default.removeItem(atPath: files.certificate)
            try FileManager.default.removeItem(atPath: files.key)
            try FileManager.default.copyItem(atPath: certificates.renewed.certificate, toPath: files.certificate)
            try FileManager.default.copyItem(atPath: certificates.renewed.key, toPath: files.key)
            gateway.hangUp()
            var current = try await served()
            for _ in 0..<250 where current != renewed {
                try await Task.sleep(for: .milliseconds(20))
                current = try await served()
            }
            #expect(current == renewed, "\(gateway.output)")
            // The replacement is logged once it is in place, a moment after new connections see it.
            for _ in 0..<250 where !gateway.output.contains("listener certificate replaced") {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(gateway.output.contains("listener certificate replaced"))
            #expect(try await kept.get("/health").status == "HTTP/1.1 200 OK")

            try "not a certificate\n".write(toFile: files.certificate, atomically: true, encoding: .utf8)
            gateway.hangUp()
            for _ in 0..<250 where !gateway.output.contains("config reload refused") {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(gateway.output.contains("config reload refused") && gateway.output.contains("server.tls.cert_file"), "\(gateway.output)")
            #expect(try await served() == renewed)
            #expect(try await kept.get("/health").status == "HTTP/1.1 200 OK")
            await kept.close()
            #expect(await gateway.terminate() == 0)
        }
    }
}

@Suite("TLS config")
struct TLSConfigTests {
    private func problems(_ yaml: String) -> [ConfigProblem] {
        do {
            _ = try ConfigLoader.parse(yaml: yaml + "models: [{ name: demo, deployments: [{ provider: mock }] }]\n", environment: [:])
            return []
        } catch {
            return error.problems
        }
    }

    @Test func aMissingUnreadableOrMismatchedFileIsAProblemWithItsPlace() throws {
        let certificates = try TestCertificates.shared()
        let missing = self.problems("server:\n  tls: { cert_file: /nonexistent/cert.pem, key_file: \(certificates.server.key) }\n")
        #expect(missing.map(\.path) == ["server.tls.cert_file"])
        #expect(missing.first?.line == 2 && missing.first?.message == "'/nonexistent/cert.pem': no such file")

        let directory = self.problems("server:\n  tls: { cert_file: \(certificates.folder), key_file: \(certificates.server.key) }\n")
        #expect(directory.first?.message.contains("cannot read the file") == true)

        let notAKey = self.problems("server:\n  tls: { cert_file: \(certificates.server.certificate), key_file: \(certificates.server.certificate) }\n")
        #expect(notAKey.map(\.path) == ["server.tls.key_file"])
        #expect(notAKey.first?.message.contains("not an unencrypted PEM private key") == true)

        let notACertificate = self.problems("server:\n  tls: { cert_file: \(certificates.server.key), key_file: \(certificates.server.key) }\n")
        #expect(notACertificate.map(\.path) == ["server.tls.cert_file"])

        let mismatched = self.problems("server:\n  tls: { cert_file: \(certificates.server.certificate), key_file: \(certificates.renewed.key) }\n")
        #expect(mismatched.map(\.path) == ["server.tls.key_file"])
        #expect(mismatched.first?.message == "the key does not match the certificate of server.tls.cert_file")

        let key = try String(contentsOfFile: certificates.server.key, encoding: .utf8)
        for problem in missing + directory + notAKey + notACertificate + mismatched {
            #expect(!problem.description.contains("PRIVATE KEY") && !key.split(separator: "\n").dropFirst().dropLast().contains { problem.description.contains($0) })
        }
        #expect(self.problems("server:\n  tls: { cert_file: \(certificates.server.certificate) }\n").map(\.message) == ["missing required key 'key_file'"])
    }

    @Test func adminClientCertificatesNeedAClientCA() throws {
        let certificates = try TestCertificates.shared()
        let withoutCA = self.problems(
            "server:\n  tls: { cert_file: \(certificates.server.certificate), key_file: \(certificates.server.key) }\nauth:\n  admin_client_certificate: {}\n"
        )
        #expect(withoutCA.map(\.path) == ["auth.admin_client_certificate"])
        let config = try ConfigLoader.parse(
            yaml: TLSTestSupport.settings(certificates.server, clientCA: certificates.clientCA.certificate, adminClientCertificate: "{ common_names: [ops] }")
                + "models: [{ name: demo, deployments: [{ provider: mock }] }]\n",
            environment: [:]
        )
        #expect(config.adminClientCertificate == AdminClientCertificate(commonNames: ["ops"]))
    }

    @Test func upstreamTLSIsForHTTPSAndNeedsItsKeyWithItsCertificate() throws {
        let certificates = try TestCertificates.shared()
        func deployment(_ url: String, _ tls: String) -> String {
            "models: [{ name: m, deployments: [{ provider: openai, base_url: \(url), model: x, tls: \(tls) }] }]\n"
        }
        func problems(_ yaml: String) -> [ConfigProblem] {
            do {
                _ = try ConfigLoader.parse(yaml: yaml, environment: [:])
                return []
            } catch {
                return error.problems
            }
        }
        let plain = problems(deployment("http://10.0.0.5/v1", "{ ca_file: \(certificates.ca.certificate) }"))
        #expect(plain.map(\.message) == ["applies only to an https base_url"])
        let keyless = problems(deployment("https://10.0.0.5/v1", "{ cert_file: \(certificates.gateway.certificate) }"))
        #expect(keyless.map(\.path) == ["models[0].deployments[0].tls"])
        let mismatched = problems(deployment("https://10.0.0.5/v1", "{ cert_file: \(certificates.gateway.certificate), key_file: \(certificates.ops.key) }"))
        #expect(mismatched.map(\.path) == ["models[0].deployments[0].tls.key_file"])
        let mock = problems("models: [{ name: m, deployments: [{ provider: mock, tls: { ca_file: \(certificates.ca.certificate) } }] }]\n")
        #expect(mock.map(\.path) == ["models[0].deployments[0].tls"])
        let config = try ConfigLoader.parse(
            yaml: deployment("https://10.0.0.5/v1", "{ ca_file: \(certificates.ca.certificate), cert_file: \(certificates.gateway.certificate), key_file: \(certificates.gateway.key), server_name: upstream.internal }"),
            environment: [:]
        )
        let tls = try #require(config.models.first?.deployments.first?.settings.origin?.tlsSettings)
        #expect(tls.serverName == "upstream.internal" && tls.trustRoots?.path == certificates.ca.certificate && tls.clientKey?.path == certificates.gateway.key)
        #expect("\(tls)".contains(certificates.gateway.key) && !"\(tls)".contains("PRIVATE KEY"))
    }
}

@Suite("Admin client certificates")
struct AdminClientCertificateTests {
    @Test func theAdminAPIRequiresAnAdmittedClientCertificateAndInferenceNeedsNone() async throws {
        let certificates = try TestCertificates.shared()
        let settings = TLSTestSupport.settings(
            certificates.server, clientCA: certificates.clientCA.certificate, adminClientCertificate: "{ common_names: [ops] }"
        )
        try await TLSTestSupport.withTLSGateway(settings: settings, certificates) { harness, anonymous in
            let refused = try await anonymous.request(.GET, "/admin/deployments", key: GatewayHarness.adminKey)
            #expect(refused.status == 401)
            #expect(refused.error["code"] as? String == "client_certificate_required")
            #expect(try await anonymous.request(.POST, "/v1/chat/completions", body: TLSTestSupport.chat).status == 200)
            #expect(try await anonymous.request(.GET, "/v1/models").status == 200)

            try await TLSTestSupport.withHTTPClient(try TLSTestSupport.client(certificates, presenting: certificates.ops)) { (http) async throws in
                let ops = TestClient(baseURL: harness.baseURL, http: http)
                #expect(try await ops.request(.GET, "/admin/deployments", key: GatewayHarness.adminKey).status == 200)
                // The certificate is on top of the admin key, not instead of it.
                #expect(try await ops.request(.GET, "/admin/deployments", key: nil).error["code"] as? String == "invalid_admin_key")
                #expect(try await ops.request(.POST, "/v1/chat/completions", body: TLSTestSupport.chat).status == 200)
            }
            try await TLSTestSupport.withHTTPClient(try TLSTestSupport.client(certificates, presenting: certificates.intruder)) { http in
                let intruder = TestClient(baseURL: harness.baseURL, http: http)
                let answer = try await intruder.request(.GET, "/admin/deployments", key: GatewayHarness.adminKey)
                #expect(answer.status == 403)
                #expect(answer.error["code"] as? String == "client_certificate_not_admitted")
            }
            // A certificate no configured CA signed is refused at the handshake.
            var stranger = try TLSTestSupport.client(certificates, presenting: certificates.stranger)
            stranger.maximumTLSVersion = .tlsv12  // in TLS 1.2 the client learns of the refusal within the handshake
            await #expect(throws: (any Error).self) {
                try await TLSTestConnection.open(port: TLSTestSupport.port(harness), configuration: stranger)
            }
        }
    }
}

@Suite("Upstream TLS")
struct UpstreamTLSTests {
    @Test func anUpstreamBehindAPrivateCAThatRequiresAClientCertificateIsServed() async throws {
        let certificates = try TestCertificates.shared()
        let upstream = try await TLSUpstream.start(certificates)
        let settings = GatewayHarness.defaultSettings.replacingOccurrences(
            of: "auth: { api_keys: [sk-test, sk-other] }", with: "auth: { api_keys: [sk-test], admin_key: \(GatewayHarness.adminKey) }"
        )
        // The upstream's certificate names only upstream.internal: reached by address, the name must be configured.
        let ca = certificates.ca.certificate
        let client = "cert_file: \(certificates.gateway.certificate), key_file: \(certificates.gateway.key)"
        let models = """
              - { name: mtls, deployments: [{ provider: openai, base_url: \(upstream.baseURL), model: x, tls: { ca_file: \(ca), \(client), server_name: upstream.internal } }] }
              - { name: no-client-certificate, routing: { retries: 0 }, deployments: [{ provider: openai, base_url: \(upstream.baseURL), model: x, tls: { ca_file: \(ca), server_name: upstream.internal } }] }
              - { name: system-trust, routing: { retries: 0 }, deployments: [{ provider: openai, base_url: \(upstream.baseURL), model: x, tls: { \(client), server_name: upstream.internal } }] }
              - { name: no-name, routing: { retries: 0 }, deployments: [{ provider: openai, base_url: \(upstream.baseURL), model: x, tls: { ca_file: \(ca), \(client) } }] }
              - { name: wrong-name, routing: { retries: 0 }, deployments: [{ provider: openai, base_url: \(upstream.baseURL), model: x, tls: { ca_file: \(ca), \(client), server_name: other.example } }] }

            """
        do {
            try await withGateway(settings: settings) { harness, client in
                try await harness.addModels(models, client: client)
                for model in ["mtls"] {
                    let whole = try await client.request(.POST, "/v1/chat/completions", body: #"{"model":"\#(model)","messages":[{"role":"user","content":"hi"}]}"#)
                    #expect(whole.status == 200, "\(model): \(whole.body)")
                    let streamed = try await client.request(.POST, "/v1/chat/completions", body: #"{"model":"\#(model)","stream":true,"messages":[{"role":"user","content":"hi"}]}"#)
                    #expect(streamed.status == 200 && streamed.events.last == "[DONE]", "\(model): \(streamed.body)")
                }
                // Each refused for what it lacks, and the error says so.
                let refusals = [
                    "no-client-certificate": "CERTIFICATE_REQUIRED", "system-trust": "CERTIFICATE_VERIFY_FAILED",
                    "no-name": "failedToValidateHostname", "wrong-name": "failedToValidateHostname",
                ]
                for (model, reason) in refusals {
                    let failed = try await client.request(.POST, "/v1/chat/completions", body: #"{"model":"\#(model)","messages":[{"role":"user","content":"hi"}]}"#)
                    #expect(failed.status == 502, "\(model) was served without the TLS settings it lacks: \(failed.body)")
                    #expect((failed.error["message"] as? String)?.contains(reason) == true, "\(model): \(failed.body)")
                }
            }
        } catch {
            await upstream.stop()
            throw error
        }
        await upstream.stop()
    }
}

@Suite("Official SDKs over TLS")
struct TLSSDKTests {
    @Test(.enabled("the openai and anthropic Python SDKs are not installed") {
        if SDKTests.sdkRequired { return true }
        let openAI = await SDKTests.openAISDKAvailable()
        let anthropic = await SDKTests.anthropicSDKAvailable()
        return openAI && anthropic
    })
    func theOpenAIAndAnthropicSDKsWorkOverTLSTrustingTheGatewaysCA() async throws {
        let certificates = try TestCertificates.shared()
        try await TLSTestSupport.withTLSGateway(settings: TLSTestSupport.settings(certificates.server), certificates) { harness, _ in
            let result = try await SDKTests.runPython(["Tests/SDK/tls_sdk_check.py", harness.baseURL, certificates.ca.certificate])
            #expect(result.status == 0, "\(result.output)")
        }
    }
}
