import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix

/// The `sluice` executable running as a process of its own, on a free loopback port, with its
/// output in a file (Foundation's pipe reading traps when a signal interrupts it).
final class SluiceProcess: Sendable {
    let port: Int
    let outputPath: String
    let configPath: String
    private let process: Process

    /// `https` when the config puts the listener on TLS.
    let scheme: String
    var baseURL: String { "\(self.scheme)://127.0.0.1:\(self.port)" }
    /// The process id, for reading its `/proc` entries.
    var processIdentifier: Int32 { self.process.processIdentifier }

    /// The executable beside the test bundle (`swift build` puts both in one folder).
    static var executable: URL {
        if let path = ProcessInfo.processInfo.environment["SLUICE_BINARY"] { return URL(fileURLWithPath: path) }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("sluice")
    }

    /// Starts `sluice serve` with `config` (YAML) and waits until it answers `/health`.
    /// - Parameters:
    ///   - fileLimit: the process's soft and hard limits on open files (`ulimit -Sn`, `-Hn`).
    ///   - tlsClient: for a config with `server.tls`, a client that trusts its certificate.
    static func start(config: String, fileLimit: (soft: Int, hard: Int)? = nil, tlsClient: HTTPClient? = nil) async throws -> SluiceProcess {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-process-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let configPath = folder.appendingPathComponent("config.yaml").path
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        // Between taking the free port back and sluice binding it, a test running in parallel may
        // take it; sluice then exits at once, and another port is tried.
        for attempt in 1...3 {
            let outputPath = folder.appendingPathComponent("output-\(attempt).log").path
            let running = try await Self.launch(
                configPath: configPath, outputPath: outputPath, port: try await Self.freePort(), fileLimit: fileLimit, scheme: tlsClient == nil ? "http" : "https"
            )
            for _ in 0..<300 {
                if let response = try? await (tlsClient ?? HTTPClient.shared).execute(HTTPClientRequest(url: running.baseURL + "/health"), timeout: .seconds(1)),
                    response.status == .ok, running.isRunning
                {
                    return running
                }
                guard running.isRunning else { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            running.kill()
            guard running.output.contains("Address already in use") else {
                throw SluiceProcessFailure(message: "sluice did not start: \(running.output)")
            }
        }
        throw SluiceProcessFailure(message: "sluice found no free port in three tries")
    }

    private static func launch(
        configPath: String, outputPath: String, port: Int, fileLimit: (soft: Int, hard: Int)?, scheme: String
    ) async throws -> SluiceProcess {
        FileManager.default.createFile(atPath: outputPath, contents: nil)
        let process = Process()
        let arguments = ["serve", "--config", configPath, "--port", String(port)]
        if let fileLimit {
            // The shell execs sluice under the new limit, so the process id stays sluice's.
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            let limits = "ulimit -Sn \(fileLimit.soft) && ulimit -Hn \(fileLimit.hard)"
            process.arguments = ["-c", limits + " && exec \"$0\" \"$@\"", Self.executable.path] + arguments
        } else {
            process.executableURL = Self.executable
            process.arguments = arguments
        }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardOutput = output
        process.standardError = output
        try process.run()
        return SluiceProcess(port: port, scheme: scheme, outputPath: outputPath, configPath: configPath, process: process)
    }

    private init(port: Int, scheme: String, outputPath: String, configPath: String, process: Process) {
        self.port = port
        self.scheme = scheme
        self.outputPath = outputPath
        self.configPath = configPath
        self.process = process
    }

    var output: String { (try? String(contentsOfFile: self.outputPath, encoding: .utf8)) ?? "" }

    var isRunning: Bool { self.process.isRunning }

    /// Sends SIGTERM and waits for the process to exit; returns its exit status.
    func terminate() async -> Int32 {
        self.process.terminate()
        while self.process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
        return self.process.terminationStatus
    }

    /// Sends SIGHUP (reload the config).
    func hangUp() {
        Foundation.kill(self.process.processIdentifier, SIGHUP)
    }

    func kill() {
        if self.process.isRunning { Foundation.kill(self.process.processIdentifier, SIGKILL) }
    }

    /// A port the kernel just gave out and took back.
    private static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return port
    }
}

struct SluiceProcessFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { self.message }
}
