import AsyncHTTPClient
import Foundation
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
            deployments: [{ provider: mock, mock: { completion_tokens: 3 } }]

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

    @Test func aFloodPastTheFileLimitLeavesTheProcessUpAndServing() async throws {
        let gateway = try await SluiceProcess.start(config: Self.config, fileLimit: (soft: 128, hard: 128))
        defer { gateway.kill() }
        let kept = try await RawConnection.open(port: gateway.port)
        try await kept.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(await kept.waitForText("200 OK", within: .seconds(5)))

        // Three times the limit in half-sent requests: the kernel completes every handshake into
        // the listen backlog, and the gateway runs out of descriptors accepting them.
        var flood: [RawConnection] = []
        for _ in 0..<384 {
            guard let connection = try? await RawConnection.open(port: gateway.port) else { continue }
            try? await connection.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n")
            flood.append(connection)
        }
        try await Task.sleep(for: .milliseconds(500))
        #expect(gateway.isRunning, "the gateway died in the flood: \(gateway.output.suffix(2000))")

        // The connection it already had is still served.
        try await kept.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(await kept.waitForText("200 OK", occurrences: 2, within: .seconds(5)), "an open connection went unserved in the flood")

        for connection in flood { await connection.close() }
        var answered = false
        for _ in 0..<50 where !answered {
            answered = await Self.health(gateway) == 200
            if !answered { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(answered, "/health did not answer after the flood: \(gateway.output.suffix(2000))")
        #expect(gateway.isRunning)
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
