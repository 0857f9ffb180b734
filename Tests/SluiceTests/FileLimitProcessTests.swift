import AsyncHTTPClient
import Foundation
import Synchronization
import Testing

/// The real `sluice serve` under a small open-file limit: running out of file descriptors must
/// never stop it. It pauses accepting, serves the connections it has, and accepts again once
/// descriptors are free.
@Suite struct FileLimitProcessTests {
    static let config = """
        server: { host: 127.0.0.1, port: 0, max_connections: 100000, max_connections_per_address: 100000, header_read_timeout: 60s }
        log: { level: info, format: text }
        auth: { api_keys: [sk-test] }
        models:
          - name: demo
            deployments: [{ provider: mock, mock: { completion_tokens: 3, time_to_first_token: 50ms, tokens_per_second: 20 } }]

        """

    /// This process's hard limit on open files; a child cannot get more.
    static var hardLimit: Int {
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        return Int(clamping: limit.rlim_max)
    }

    static func health(_ gateway: SluiceProcess) async -> Int? {
        let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: gateway.baseURL + "/health"), timeout: .seconds(2))
        return response.map { Int($0.status.code) }
    }

    /// Streams chat answers from the gateway until `stop` says so.
    static func streamChats(_ gateway: SluiceProcess, until stop: @escaping @Sendable () -> Bool) async {
        let client = TestClient(baseURL: gateway.baseURL)
        while !stop() {
            _ = try? await client.chat(model: "demo", stream: true)
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test func aFloodPastTheFileLimitLeavesTheProcessUpAndServing() async throws {
        // 500 half-sent requests against a limit of 256 open files, with streams running: once,
        // this stopped the process (libdispatch traps when it cannot open a /proc file).
        let gateway = try await SluiceProcess.start(config: Self.config, fileLimit: (soft: 256, hard: 256))
        defer { gateway.kill() }
        let kept = try await RawConnection.open(port: gateway.port)
        try await kept.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(await kept.waitForText("200 OK", within: .seconds(5)))
        let flooding = Flooding()
        let streams = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<2 { group.addTask { await Self.streamChats(gateway) { !flooding.isOn } } }
            }
        }

        var flood: [RawConnection] = []
        for _ in 0..<500 {
            guard let connection = try? await RawConnection.open(port: gateway.port) else { continue }
            try? await connection.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n")
            flood.append(connection)
        }
        try await Task.sleep(for: .seconds(2))
        #expect(gateway.isRunning, "the gateway died in the flood: \(gateway.output.suffix(2000))")

        // The connection it already had is still served.
        try await kept.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(await kept.waitForText("200 OK", occurrences: 2, within: .seconds(5)), "an open connection went unserved in the flood")

        flooding.stop()
        for connection in flood { await connection.close() }
        await streams.value
        var answered = false
        for _ in 0..<50 where !answered {
            answered = await Self.health(gateway) == 200
            if !answered { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(answered, "/health did not answer after the flood: \(gateway.output.suffix(2000))")
        #expect(gateway.isRunning)
        #expect(gateway.output.contains("server.max_connections is lowered to fit the open-file limit"))
        await kept.close()
        #expect(await gateway.terminate() == 0)
    }

    @Test func theSoftFileLimitIsRaisedToTheHardLimitAtStart() async throws {
        let hard = min(Self.hardLimit, 8192)
        let gateway = try await SluiceProcess.start(config: Self.config, fileLimit: (soft: 256, hard: hard))
        defer { gateway.kill() }
        #expect(gateway.output.contains("open_files_limit=\(hard)"), "\(gateway.output.prefix(1000))")
        _ = await gateway.terminate()
    }
}

/// Whether the flood is on, for the clients that stream during it.
private final class Flooding: Sendable {
    private let on = Mutex(true)
    var isOn: Bool { self.on.withLock { $0 } }
    func stop() { self.on.withLock { $0 = false } }
}
