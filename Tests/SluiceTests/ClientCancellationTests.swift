import Foundation
import SluiceStore
import Testing

/// A client that hangs up on a non-streamed request cancels the upstream call on every
/// endpoint: the upstream sees its connection closed within 100 ms of the client's close, and
/// the ledger bills what came back (nothing) under 499.
@Suite("A client's hang-up cancels a non-streamed upstream call on every endpoint", .serialized)
struct ClientCancellationTests {
    struct Call: Sendable, CustomTestStringConvertible {
        let name: String
        let path: String
        let body: String
        let headers: [(String, String)]

        var testDescription: String { self.name }
    }

    static let calls = [
        Call(
            name: "chat completions", path: "/v1/chat/completions",
            body: #"{"model":"hold-openai","messages":[{"role":"user","content":"Say hello"}]}"#, headers: [("Authorization", "Bearer sk-test")]
        ),
        Call(
            name: "completions", path: "/v1/completions",
            body: #"{"model":"hold-openai","prompt":"Say this is a test","max_tokens":7}"#, headers: [("Authorization", "Bearer sk-test")]
        ),
        Call(
            name: "embeddings", path: "/v1/embeddings",
            body: #"{"model":"hold-openai","input":"The food was delicious"}"#, headers: [("Authorization", "Bearer sk-test")]
        ),
        Call(
            name: "messages to an Anthropic deployment", path: "/v1/messages",
            body: #"{"model":"hold-anthropic","max_tokens":64,"messages":[{"role":"user","content":"Say hello"}]}"#,
            headers: [("x-api-key", "sk-test"), ("anthropic-version", "2023-06-01")]
        ),
        Call(
            name: "messages to an OpenAI-compatible deployment", path: "/v1/messages",
            body: #"{"model":"hold-openai","max_tokens":64,"messages":[{"role":"user","content":"Say hello"}]}"#,
            headers: [("x-api-key", "sk-test"), ("anthropic-version", "2023-06-01")]
        ),
    ]

    @Test(arguments: calls)
    func theUpstreamSeesTheHangUpWithin100msAndTheLedgerRecords499(_ call: Call) async throws {
        try await withHoldingGateway(settings: GatewayHarness.governanceSettings()) { harness, _, upstream in
            let port = Int(harness.baseURL.split(separator: ":").last ?? "") ?? 0
            let connection = try await RawConnection.open(port: port)
            try await connection.send(RawHTTPRequest.post(call.path, body: call.body, headers: call.headers))
            let arrived = await upstream.waitForExchanges(1, within: .seconds(5))
            try #require(arrived.count == 1, "the request never reached the upstream; the gateway sent: \(connection.text)")

            let hungUp = ContinuousClock.now
            await connection.close()
            let closed = await upstream.waitForClose(of: 0, within: .seconds(1))
            if let closed {
                #expect(closed - hungUp < .milliseconds(100), "the upstream saw its connection closed \(closed - hungUp) after the client's")
            } else {
                Issue.record("the upstream connection (\(arrived[0].model) at \(arrived[0].path)) was still open 1 s after the client hung up")
                // Ends the call the gateway still waits on, so the request ends and the test with it.
                await upstream.stop()
            }

            let row = try #require(try await Self.onlyLedgerRow(harness))
            #expect(row.status == 499, "\(row)")
            #expect(row.errorCode == "client_closed")
            #expect(row.promptTokens == 0 && row.completionTokens == 0 && row.costMicroUSD == 0, "nothing came back, so nothing is billed: \(row)")
        }
    }

    /// The ledger's one row, once written; fails when there are more.
    private static func onlyLedgerRow(_ harness: GatewayHarness) async throws -> UsageRow? {
        let store = try #require(harness.governance?.store)
        let deadline = ContinuousClock.now + .seconds(3)
        var rows: [UsageRow] = []
        while rows.isEmpty, ContinuousClock.now < deadline {
            await harness.governance?.flushLedger()
            rows = try await store.usage(UsageQuery(limit: 10))
            if rows.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(rows.count == 1, "one ledger row per request: \(rows)")
        return rows.first
    }
}
