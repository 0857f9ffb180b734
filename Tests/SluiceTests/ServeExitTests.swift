import Foundation
import NIOCore
import NIOPosix
import Testing

@Suite("sluice serve's exit status", .serialized)
struct ServeExitTests {
    /// Port in use: the process says why and exits with status 1 (so a supervisor restarts it),
    /// also with a span exporter that never got to run.
    @Test(arguments: [false, true])
    func aGatewayThatCannotListenExitsWithStatus1(tracing: Bool) async throws {
        let taken = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = taken.localAddress?.port ?? 0
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-exit-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let config = """
            server: { host: 127.0.0.1, port: \(port) }
            log: { format: text }
            \(tracing ? "tracing: { otlp_endpoint: \"http://127.0.0.1:9/v1/traces\" }" : "")
            models:
              - name: demo
                deployments: [{ provider: mock }]
            """
        try config.write(toFile: folder + "/config.yaml", atomically: true, encoding: .utf8)
        FileManager.default.createFile(atPath: folder + "/output.log", contents: nil)
        let process = Process()
        process.executableURL = SluiceProcess.executable
        process.arguments = ["serve", "--config", folder + "/config.yaml"]
        process.environment = ["SWIFT_BACKTRACE": "enable=no"]
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: folder + "/output.log"))
        process.standardOutput = output
        process.standardError = output
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        try await taken.close()
        let log = try String(contentsOfFile: folder + "/output.log", encoding: .utf8)
        #expect(process.terminationStatus == 1, "\(log)")
        #expect(process.terminationReason == .exit)
        #expect(log.contains("Address already in use"), "\(log)")
    }
}
