import Foundation

/// Throwaway certificates for the TLS tests, made once per test run with the `openssl` command
/// (which the tests also use as a client: `openssl s_client`). P-256 keys, valid for two days.
///
/// - `ca` signs the servers' certificates: `server` and `renewed` (two certificates the gateway
///   listens with, for reloads) and `upstream`, all for `127.0.0.1` and `localhost`.
/// - `clientCA` signs client certificates: `ops` and `intruder` (the admin API admits the first
///   by its common name) and `gateway` (what the gateway presents to an upstream requiring one).
/// - `stranger` is self-signed, trusted by nobody, with the common name `ops`.
struct TestCertificates: Sendable {
    /// A certificate (PEM) and its key (PEM), as files.
    struct Pair: Sendable {
        let certificate: String
        let key: String
    }

    let folder: String
    let ca: Pair
    let server: Pair
    let renewed: Pair
    let upstream: Pair
    let clientCA: Pair
    let ops: Pair
    let intruder: Pair
    let gateway: Pair
    let stranger: Pair

    /// The certificates of this test run (made by the first test that asks).
    static func shared() throws -> TestCertificates { try Self.made.get() }

    private static let made = Result { try TestCertificates.make() }

    private static func make() throws -> TestCertificates {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let openssl = OpenSSL(folder: folder)
        let ca = try openssl.authority("ca", subject: "/CN=Sluice Test Server CA")
        let clientCA = try openssl.authority("client-ca", subject: "/CN=Sluice Test Client CA")
        let server = "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
        let client = "extendedKeyUsage=clientAuth\n"
        return TestCertificates(
            folder: folder, ca: ca,
            server: try openssl.leaf("server", subject: "/CN=sluice-test-server", by: ca, extensions: server),
            renewed: try openssl.leaf("renewed", subject: "/CN=sluice-test-renewed", by: ca, extensions: server),
            upstream: try openssl.leaf(
                "upstream", subject: "/CN=sluice-test-upstream", by: ca, extensions: "subjectAltName=DNS:upstream.internal\nextendedKeyUsage=serverAuth\n"
            ),
            clientCA: clientCA,
            ops: try openssl.leaf("ops", subject: "/CN=ops", by: clientCA, extensions: client),
            intruder: try openssl.leaf("intruder", subject: "/CN=intruder", by: clientCA, extensions: client),
            gateway: try openssl.leaf("gateway", subject: "/CN=sluice-gateway", by: clientCA, extensions: client),
            stranger: try openssl.authority("stranger", subject: "/CN=ops")
        )
    }

    /// A copy of `pair` in a new folder of its own, for tests that rewrite the files.
    func copy(_ pair: Pair) throws -> Pair {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let copy = Pair(certificate: folder + "/cert.pem", key: folder + "/key.pem")
        try FileManager.default.copyItem(atPath: pair.certificate, toPath: copy.certificate)
        try FileManager.default.copyItem(atPath: pair.key, toPath: copy.key)
        return copy
    }
}

/// Runs the `openssl` command in a folder.
struct OpenSSL {
    let folder: String

    /// A self-signed CA certificate and its key.
    func authority(_ name: String, subject: String) throws -> TestCertificates.Pair {
        let pair = self.pair(name)
        try self.run(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                      "-keyout", pair.key, "-out", pair.certificate, "-subj", subject])
        return pair
    }

    /// A certificate signed by `issuer`, with `extensions` (an OpenSSL extension file's lines).
    func leaf(_ name: String, subject: String, by issuer: TestCertificates.Pair, extensions: String) throws -> TestCertificates.Pair {
        let pair = self.pair(name)
        let request = "\(self.folder)/\(name).csr"
        let extensionFile = "\(self.folder)/\(name).ext"
        try (extensions + "basicConstraints=CA:FALSE\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid,issuer\n")
            .write(toFile: extensionFile, atomically: true, encoding: .utf8)
        try self.run(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", pair.key, "-out", request, "-subj", subject])
        try self.run(["x509", "-req", "-in", request, "-CA", issuer.certificate, "-CAkey", issuer.key, "-CAcreateserial",
                      "-days", "2", "-out", pair.certificate, "-extfile", extensionFile])
        return pair
    }

    private func pair(_ name: String) -> TestCertificates.Pair {
        TestCertificates.Pair(certificate: "\(self.folder)/\(name).pem", key: "\(self.folder)/\(name).key")
    }

    /// Runs `openssl` with `arguments`, with its output in a file (Foundation's pipe reading traps
    /// when a signal interrupts it).
    @discardableResult
    func run(_ arguments: [String], input: String? = nil) throws -> (status: Int32, output: String) {
        try Self.run(arguments, input: input, folder: self.folder)
    }

    @discardableResult
    static func run(_ arguments: [String], input: String? = nil, folder: String = NSTemporaryDirectory(), check: Bool = true) throws -> (status: Int32, output: String) {
        let outputPath = "\(folder)/openssl-\(UUID().uuidString).log"
        FileManager.default.createFile(atPath: outputPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        process.standardOutput = output
        process.standardError = output
        if let input {
            let inputPath = "\(folder)/openssl-input-\(UUID().uuidString)"
            try input.write(toFile: inputPath, atomically: true, encoding: .utf8)
            process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: inputPath))
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        process.waitUntilExit()
        try output.close()
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        if check && process.terminationStatus != 0 {
            throw OpenSSLFailure(arguments: arguments, output: text)
        }
        return (process.terminationStatus, text)
    }
}

struct OpenSSLFailure: Error, CustomStringConvertible {
    let arguments: [String]
    let output: String
    var description: String { "openssl \(self.arguments.joined(separator: " ")) failed: \(self.output)" }
}
