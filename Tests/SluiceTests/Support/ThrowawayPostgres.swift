import Foundation
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// A PostgreSQL server of the test's own (a new cluster in a temporary folder, on a free loopback
/// port), which the test can stop and start again to see the gateway through an outage. Needs
/// Debian's PostgreSQL server binaries (`/usr/lib/postgresql/<version>/bin`); when run as root
/// the server runs as the `postgres` user, as PostgreSQL requires.
///
/// The server runs in the foreground as this process's child (not daemonised by `pg_ctl`):
/// Foundation notices a child's exit only once every process holding its monitoring descriptor
/// has closed it, and a daemon would keep it open.
final class ThrowawayPostgres: Sendable {
    let port: Int
    private let binaries: String
    private let folder: String
    private let server = Mutex<Process?>(nil)

    var url: String { "postgres://postgres@127.0.0.1:\(self.port)/postgres" }
    private var data: String { self.folder + "/data" }

    /// The newest server binaries installed; nil when there are none.
    static var installedBinaries: String? {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        return versions.last.map { "\(root)/\($0)/bin" }.flatMap { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") ? $0 : nil }
    }

    /// Whether a test may run here: the binaries are installed, or CI requires PostgreSQL (then a
    /// missing server fails the test instead of skipping it).
    static var available: Bool { Self.installedBinaries != nil || ProcessInfo.processInfo.environment["SLUICE_REQUIRE_POSTGRES"] == "1" }

    /// Makes a new cluster and starts it.
    init() async throws {
        self.binaries = try #require(Self.installedBinaries, "no PostgreSQL server binaries under /usr/lib/postgresql")
        self.folder = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-pg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: self.folder, withIntermediateDirectories: true)
        self.port = try await Self.freePort()
        if getuid() == 0 {
            let owner = try Self.launch(["/bin/chown", "-R", "postgres", self.folder], log: nil)
            try await Self.waitForExit(owner, "chown")
        }
        let initdb = try Self.launch(Self.asServerUser([self.binaries + "/initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync"]), log: nil)
        try await Self.waitForExit(initdb, "initdb")
        try await self.start()
    }

    /// Starts the server and waits until it accepts connections (at most 30 s).
    func start() async throws {
        let process = try Self.launch(
            Self.asServerUser([
                self.binaries + "/postgres", "-D", self.data, "-p", "\(self.port)", "-k", self.folder,
                "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
            ]),
            log: self.folder + "/server.log"
        )
        self.server.withLock { $0 = process }
        for _ in 0..<300 {
            guard process.isRunning else { break }
            let ready = try Self.launch([self.binaries + "/pg_isready", "-q", "-h", "127.0.0.1", "-p", "\(self.port)"], log: nil)
            while ready.isRunning { try await Task.sleep(for: .milliseconds(20)) }
            if ready.terminationStatus == 0 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        let log = (try? String(contentsOfFile: self.folder + "/server.log", encoding: .utf8)) ?? ""
        throw ServerCommandFailed(command: "postgres", output: log)
    }

    /// Stops the server at once (SIGQUIT, PostgreSQL's immediate shutdown: connections are cut as in a crash).
    func stop() async throws {
        guard let process = self.server.withLock({ server in defer { server = nil }; return server }) else { return }
        kill(process.processIdentifier, SIGQUIT)
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
    }

    /// Stops the server if it runs and removes its files.
    func remove() async {
        try? await self.stop()
        try? FileManager.default.removeItem(atPath: self.folder)
    }

    /// The command run as the `postgres` user when this process is root (`setpriv` execs it, so
    /// it stays this process's child), as it is otherwise.
    private static func asServerUser(_ arguments: [String]) -> [String] {
        getuid() == 0 ? ["/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"] + arguments : arguments
    }

    /// Starts a command (an absolute path and its arguments) with its output in `log`, or discarded.
    private static func launch(_ arguments: [String], log: String?) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        if let log {
            FileManager.default.createFile(atPath: log, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            process.standardOutput = handle
            process.standardError = handle
        } else {
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        return process
    }

    private static func waitForExit(_ process: Process, _ name: String) async throws {
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        guard process.terminationStatus == 0 else { throw ServerCommandFailed(command: name, output: "exit status \(process.terminationStatus)") }
    }

    private struct ServerCommandFailed: Error, CustomStringConvertible {
        let command: String
        let output: String
        var description: String { "\(self.command) failed: \(self.output)" }
    }

    private static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return port
    }
}
