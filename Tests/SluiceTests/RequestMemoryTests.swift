import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// What requests leave behind in a gateway that serves them all day: the resident memory of a
/// `sluice serve` process before and after tens of thousands of requests of every kind.
@Suite("Memory per request", .serialized)
struct RequestMemoryTests {
    /// The kinds of request, mixed by ``share``.
    enum Kind: CaseIterable {
        case stream
        case streamThenClose
        case answer
        case answerThenClose
        /// The client reads the first event of an endless stream and hangs up.
        case streamAbandoned
        /// The client hangs up while the gateway waits for the upstream's answer.
        case abandonedBeforeAnswer

        /// Requests of this kind in every 50.
        var share: Int {
            switch self {
            case .stream: 18
            case .streamThenClose: 8
            case .answer: 10
            case .answerThenClose: 5
            case .streamAbandoned: 6
            case .abandonedBeforeAnswer: 3
            }
        }

        var model: String {
            switch self {
            case .stream, .streamThenClose, .answer, .answerThenClose: "chat"
            case .streamAbandoned: "endless"
            case .abandonedBeforeAnswer: "silent"
            }
        }

        var streams: Bool { self != .answer && self != .answerThenClose }
        var closesConnection: Bool { self == .streamThenClose || self == .answerThenClose }
        var isAbandoned: Bool { self == .streamAbandoned || self == .abandonedBeforeAnswer }
    }

    /// Requests made before the first reading, to fill the pools, caches and metric series that
    /// are meant to stay.
    static let warmUpRequests = 4_000
    /// Requests between the two readings.
    static let measuredRequests = 16_000
    static let concurrency = 16
    /// Clients that keep one connection open through the whole run, as an SDK's pool does, and
    /// send ``pooledCycle`` on it; the others send ``mixedCycle`` on connections that come and go.
    static let pooledClients = 10
    /// The most the gateway's resident memory may grow per measured request. A stream used to
    /// leave about 1.3 KB for a minute (its watchdogs' cancelled sleeps): about 1,000 bytes per
    /// request of this mix; and about 190 bytes for as long as its kept-alive connection stayed
    /// open (callbacks on the connection's close): about 150 bytes per request here. What remains
    /// is the heap settling: under 20 bytes per request.
    static let maximumBytesPerRequest = 50

    static func config(upstream: String) -> String {
        // Timeouts as in production: the memory a stream left behind lived until its first-token
        // deadline passed, and short test timeouts would hide it.
        """
        server: { host: 127.0.0.1, port: 0 }
        log: { level: warning }
        timeouts: { connect: 5s, first_token: 60s, between_tokens: 30s, request: 10m }
        auth: { api_keys: [sk-test] }
        models:
          - name: chat
            deployments: [{ provider: openai, base_url: \(upstream), model: ok }]
          - name: endless
            deployments: [{ provider: openai, base_url: \(upstream), model: endless }]
          - name: silent
            deployments: [{ provider: openai, base_url: \(upstream), model: silent }]
        """
    }

    @Test func tensOfThousandsOfRequestsOfEveryKindLeaveNoMemoryBehind() async throws {
        let upstream = try await LoadUpstream.start()
        let gateway: SluiceProcess
        do {
            gateway = try await SluiceProcess.start(config: Self.config(upstream: upstream.baseURL))
        } catch {
            await upstream.stop()
            throw error
        }
        do {
            try await self.measure(gateway: gateway, upstream: upstream)
        } catch {
            _ = await gateway.terminate()
            await upstream.stop()
            throw error
        }
        _ = await gateway.terminate()
        await upstream.stop()
    }

    private func measure(gateway: SluiceProcess, upstream: LoadUpstream) async throws {
        let tally = Tally()
        var connections = [LoadConnection?](repeating: nil, count: Self.concurrency)
        await Self.send(Self.warmUpRequests, from: 0, to: gateway, upstream: upstream, connections: &connections, tally: tally)
        let before = try Self.residentBytes(of: gateway.processIdentifier)
        let started = ContinuousClock.now
        await Self.send(Self.measuredRequests, from: Self.warmUpRequests, to: gateway, upstream: upstream, connections: &connections, tally: tally)
        let seconds = (ContinuousClock.now - started) / .seconds(1)
        let after = try Self.residentBytes(of: gateway.processIdentifier)
        let pooledConnectionsKept = connections.prefix(Self.pooledClients).allSatisfy { $0?.isActive == true }
        for connection in connections { await connection?.close() }

        let perRequest = Double(after - before) / Double(Self.measuredRequests)
        print(String(
            format: "request memory: RSS %.1f MiB after %d warm-up requests, %.1f MiB after %d more: %.0f bytes per request, %.0f requests/s",
            Double(before) / 1_048_576, Self.warmUpRequests, Double(after) / 1_048_576, Self.measuredRequests, perRequest,
            Double(Self.measuredRequests) / seconds
        ))
        // Every request went as its kind says: a run of failed requests would measure nothing.
        let failures = tally.failures
        #expect(failures.isEmpty, "\(failures.count) requests went wrong, first: \(failures.prefix(3))")
        #expect(pooledConnectionsKept, "a pooled client's connection closed")
        // The gateway noticed every client that hung up, and hung up on the upstream in turn.
        let abandoned = (0..<(Self.warmUpRequests + Self.measuredRequests)).filter { Self.kind(of: $0).isAbandoned }.count
        try await Self.waitUntil { upstream.hangUps >= abandoned }
        #expect(upstream.hangUps == abandoned)
        #expect(perRequest < Double(Self.maximumBytesPerRequest), "the gateway's memory grew by \(after - before) bytes")
    }

    /// The kind of the request with this number: requests go round the clients, and each client
    /// goes round its cycle.
    static func kind(of request: Int) -> Kind {
        let (round, client) = request.quotientAndRemainder(dividingBy: Self.concurrency)
        let cycle = client < Self.pooledClients ? Self.pooledCycle : Self.mixedCycle
        return cycle[round % cycle.count]
    }

    /// Nine streams and one whole answer, on one kept-alive connection.
    private static let pooledCycle = Array(repeating: Kind.stream, count: 9) + [.answer]

    /// Every kind by its ``Kind/share`` of 50, spread out.
    private static let mixedCycle: [Kind] = Kind.allCases
        .flatMap { kind in (0..<kind.share).map { (position: (Double($0) + 0.5) / Double(kind.share), kind: kind) } }
        .sorted { $0.position < $1.position }
        .map(\.kind)

    /// What went wrong, across all requests.
    private final class Tally: Sendable {
        private let state = Mutex<[String]>([])
        var failures: [String] { self.state.withLock { $0 } }
        func fail(_ request: Int, _ problem: String) {
            self.state.withLock { $0.append("request \(request) (\(RequestMemoryTests.kind(of: request))): \(problem)") }
        }
    }

    /// Sends requests `first..<first + count`, one client per ``concurrency``, each on the
    /// connection it had (in `connections`, by client) while the gateway keeps it open.
    private static func send(
        _ count: Int, from first: Int, to gateway: SluiceProcess, upstream: LoadUpstream, connections: inout [LoadConnection?], tally: Tally
    ) async {
        let previous = connections
        connections = await withTaskGroup(of: (Int, LoadConnection?).self) { group in
            for client in 0..<Self.concurrency {
                group.addTask {
                    var connection = previous[client]
                    for request in stride(from: first + client, to: first + count, by: Self.concurrency) {
                        do {
                            if connection?.isActive != true { connection = try await LoadConnection.open(port: gateway.port) }
                            if try await !Self.send(request, on: connection!, upstream: upstream, tally: tally) {
                                await connection?.close()
                                connection = nil
                            }
                        } catch {
                            tally.fail(request, "\(error)")
                            await connection?.close()
                            connection = nil
                        }
                    }
                    return (client, connection)
                }
            }
            var connections = previous
            for await (client, connection) in group { connections[client] = connection }
            return connections
        }
    }

    /// Sends one request as its kind says; returns whether the connection may serve the next.
    private static func send(_ request: Int, on connection: LoadConnection, upstream: LoadUpstream, tally: Tally) async throws -> Bool {
        let kind = Self.kind(of: request)
        var headers: HTTPHeaders = ["authorization": "Bearer sk-test"]
        if kind.closesConnection { headers.add(name: "connection", value: "close") }
        let user = "u\(request)"
        let body = #"{"model":"\#(kind.model)","messages":[{"role":"user","content":"Say hello"}],"stream":\#(kind.streams),"user":"\#(user)"}"#
        switch kind {
        case .abandonedBeforeAnswer:
            async let answer = connection.post("/v1/chat/completions", body: body, headers: headers, until: .wholeAnswer)
            try await Self.waitUntil { upstream.hasReceived(user: user) }
            await connection.close()
            if let answer = try? await answer { tally.fail(request, "answered \(answer.status) before the upstream did") }
            return false
        case .streamAbandoned:
            let answer = try await connection.post("/v1/chat/completions", body: body, headers: headers, until: .firstBytes)
            if answer.status != 200 { tally.fail(request, "status \(answer.status)") }
            await connection.close()
            return false
        case .stream, .streamThenClose, .answer, .answerThenClose:
            let answer = try await connection.post("/v1/chat/completions", body: body, headers: headers, until: .wholeAnswer)
            let complete = kind.streams ? answer.body.hasSuffix("data: [DONE]\n\n") : answer.body.contains(#""finish_reason":"stop""#)
            if answer.status != 200 || !complete { tally.fail(request, "status \(answer.status), body \(answer.body.prefix(200))") }
            return answer.keepAlive && !kind.closesConnection
        }
    }

    /// The resident set size of a process, from `/proc/<pid>/status`.
    private static func residentBytes(of pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Int(line.dropFirst("VmRSS:".count).trimmingCharacters(in: .whitespaces).dropLast(" kB".count))
        else { throw SluiceProcessFailure(message: "no VmRSS in /proc/\(pid)/status") }
        return kilobytes * 1024
    }

    private static func waitUntil(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(2)) }
    }
}
