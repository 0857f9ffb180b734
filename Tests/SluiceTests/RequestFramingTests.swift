import Foundation
import Testing

/// Request bodies the gateway cannot or will not read: broken chunked framing, transfer codings
/// it does not implement, bodies over a limit. Each is answered in the client's error shape and
/// ends the connection, instead of a 500, or reading on a body nobody wants.
@Suite struct RequestFramingTests {
    static let chatHead = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-test\r\nContent-Type: application/json\r\n"

    @Test(arguments: ["ZZZ", "100000000000000000000"])
    func aMalformedChunkSizeIs400WithoutAnErrorLog(size: String) async throws {
        try await withGateway { harness, _ in
            let connection = try await RawConnection.open(port: ConnectionLimitTests.port(of: harness))
            try await connection.send(Self.chatHead + "Transfer-Encoding: chunked\r\n\r\n\(size)\r\n{\"model\":\"demo\"}\r\n")
            #expect(await connection.waitUntilServerEnds(within: .seconds(5)), "the connection stayed open after a framing error")
            #expect(connection.text.hasPrefix("HTTP/1.1 400"), "\(connection.text.prefix(200))")
            #expect(connection.text.contains(#""code":"malformed_body""#))
            let errors = harness.logs.all.filter { $0.contains("request failed unexpectedly") || $0.contains("error") && $0.contains("HTTPParserError") }
            #expect(errors.isEmpty, "\(errors)")
            await connection.close()
        }
    }

    @Test(arguments: ["gzip, chunked", "deflate,chunked", "chunked, chunked, br, chunked"])
    func aTransferCodingOtherThanChunkedIsRefused(codings: String) async throws {
        try await withGateway { harness, _ in
            let body = #"{"model":"demo","messages":[{"role":"user","content":"hi"}]}"#
            let chunk = String(body.utf8.count, radix: 16) + "\r\n" + body + "\r\n0\r\n\r\n"
            let connection = try await RawConnection.open(port: ConnectionLimitTests.port(of: harness))
            try await connection.send(Self.chatHead + "Transfer-Encoding: \(codings)\r\n\r\n" + chunk)
            #expect(await connection.waitForText("\r\n\r\n", within: .seconds(5)))
            // 501 from the gateway, or 400 where the HTTP parser refuses the framing first.
            #expect(connection.text.hasPrefix("HTTP/1.1 501") || connection.text.hasPrefix("HTTP/1.1 400"), "\(connection.text.prefix(200))")
            #expect(!connection.text.contains("chat.completion"))
            await connection.close()
        }
    }

    @Test func aClientAskingToCloseIsToldTheConnectionCloses() async throws {
        try await withGateway { harness, _ in
            let body = #"{"model":"demo","messages":[{"role":"user","content":"hi"}],"stream":true}"#
            let connection = try await RawConnection.open(port: ConnectionLimitTests.port(of: harness))
            try await connection.send(Self.chatHead + "Connection: close\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body)
            #expect(await connection.waitUntilServerEnds(within: .seconds(5)))
            let head = connection.text.components(separatedBy: "\r\n\r\n").first ?? ""
            #expect(head.hasPrefix("HTTP/1.1 200"), "\(head)")
            #expect(head.lowercased().contains("connection: close"), "\(head)")
            #expect(connection.text.contains("[DONE]"))
            await connection.close()
        }
    }

    @Test func anAnthropicClientIsRefusedAnUnknownCodingInItsOwnShape() async throws {
        try await withGateway { harness, _ in
            let connection = try await RawConnection.open(port: ConnectionLimitTests.port(of: harness))
            try await connection.send(
                "POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: sk-test\r\nanthropic-version: 2023-06-01\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
            )
            #expect(await connection.waitForText("}", within: .seconds(5)))
            #expect(connection.text.hasPrefix("HTTP/1.1 501"), "\(connection.text.prefix(200))")
            #expect(connection.text.contains(#""type":"error""#))
            await connection.close()
        }
    }

    @Test func aBodyOverTheLimitIsRefusedAndTheConnectionEndsWithoutReadingIt() async throws {
        try await withGateway { harness, _ in
            // Content-Length over the 64 KiB limit: refused at once.
            let declared = try await RawConnection.open(port: ConnectionLimitTests.port(of: harness))
            try await declared.send(Self.chatHead + "Content-Length: 10000000000\r\n\r\n" + String(repeating: "x", count: 1000))
            #expect(await declared.waitUntilServerEnds(within: .seconds(3)), "the connection stayed open to read a refused body")
            #expect(declared.text.hasPrefix("HTTP/1.1 413"), "\(declared.text.prefix(200))")

            // A chunked body that grows past the limit: refused once it passes, the rest unread.
            let chunked = try await RawConnection.open(port: ConnectionLimitTests.port(of: harness))
            try await chunked.send(Self.chatHead + "Transfer-Encoding: chunked\r\n\r\n")
            let chunk = "4000\r\n" + String(repeating: "x", count: 0x4000) + "\r\n"
            for _ in 0..<8 where !chunked.serverEnded { try? await chunked.send(chunk) }
            #expect(await chunked.waitUntilServerEnds(within: .seconds(3)), "the connection stayed open to read a refused body")
            #expect(chunked.text.hasPrefix("HTTP/1.1 413"), "\(chunked.text.prefix(200))")
            await declared.close()
            await chunked.close()
        }
    }

    @Test func anAdminBodyOverTheAdminLimitIs413() async throws {
        try await withGateway(settings: GatewayHarness.governanceSettings()) { _, client in
            let body = #"{"id":"acme","name":""# + String(repeating: "a", count: 100_000) + #""}"#
            let reply = try await client.request(.POST, "/admin/tenants", body: body, key: GatewayHarness.adminKey)
            #expect(reply.status == 413, "\(reply.status) \(reply.body.prefix(200))")
            #expect(reply.error["code"] as? String == "request_too_large")
        }
    }

    @Test func theAdminKeyFollowedByNULBytesIsRefused() async throws {
        try await withGateway(settings: GatewayHarness.governanceSettings()) { _, client in
            func basic(_ password: String) -> [String: String] {
                ["authorization": "Basic " + Data(("admin:" + password).utf8).base64EncodedString()]
            }
            #expect(try await client.request(.GET, "/admin/tenants", key: nil, headers: basic(GatewayHarness.adminKey)).status == 200)
            // 256 NUL bytes: a length difference of 256 once vanished when folded into one byte.
            for suffix in ["\0", String(repeating: "\0", count: 256), "\0\u{1}"] {
                let reply = try await client.request(.GET, "/admin/tenants", key: nil, headers: basic(GatewayHarness.adminKey + suffix))
                #expect(reply.status == 401, "admin key + \(suffix.utf8.count) bytes was accepted")
            }
            #expect(try await client.request(.GET, "/admin/tenants", key: nil, headers: basic(String(GatewayHarness.adminKey.dropLast()))).status == 401)
        }
    }
}
