import AsyncHTTPClient
import Foundation
import NIOHTTP1
import SluiceConfig
import SluiceCore
import SluiceStore
import Synchronization
import Testing

@testable import SluiceServer

/// Stored responses of the Responses API: saved through the runtime's ``ResponseLog`` (as the
/// codec saves them) and read, listed, deleted and cancelled over HTTP, within one tenant.
@Suite("Responses API state: stored responses and their routes", .timeLimit(.minutes(2)))
struct ResponseStateTests {
    /// The two ways a gateway keeps responses: in its governance store, or in memory only.
    enum Keeping: String, CaseIterable, CustomTestStringConvertible {
        case store, memory

        var testDescription: String { self.rawValue }

        var settings: String {
            self == .store ? GatewayHarness.governanceSettings() : GatewayHarness.defaultSettings
        }
    }

    static let now = WallClock.seconds()

    /// A stored response with `input` as its own input items and `output` as its output items.
    static func response(
        _ id: String, tenant: String? = nil, previous: String? = nil, input: [String] = [#"{"role":"user","content":"hi"}"#],
        output: [String] = [#"{"id":"msg_out","type":"message","role":"assistant","content":[]}"#], expiresAt: UnixTime = now + 3_600
    ) -> StoredResponse {
        let object = #"{"id":"\#(id)","object":"response","created_at":\#(now),"status":"completed","model":"demo","output":[\#(output.joined(separator: ","))]}"#
        return StoredResponse(
            id: id, tenantID: tenant, keyID: nil, createdAt: now, expiresAt: expiresAt, previousResponseID: previous, model: "demo",
            inputItems: Array("[\(input.joined(separator: ","))]".utf8), response: Array(object.utf8)
        )
    }

    private func json(_ reply: TestClient.Reply) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any], "\(reply.body)")
    }

    private func error(_ reply: TestClient.Reply) throws -> [String: Any] {
        try #require(try self.json(reply)["error"] as? [String: Any], "\(reply.body)")
    }

    /// A tenant and a key in it, through the admin API; returns the key.
    private func key(_ client: TestClient, tenant: String) async throws -> String {
        _ = try await client.request(.POST, "/admin/tenants", body: #"{"id":"\#(tenant)","name":"\#(tenant)"}"#, key: GatewayHarness.adminKey)
        let reply = try await client.request(.POST, "/admin/keys", body: #"{"name":"k","tenant_id":"\#(tenant)"}"#, key: GatewayHarness.adminKey)
        return try #require(try self.json(reply)["key"] as? String, "\(reply.body)")
    }

    // MARK: Reading back

    @Test(arguments: Keeping.allCases)
    func aSavedResponseIsReadBackAsItWasStored(keeping: Keeping) async throws {
        try await withGateway(settings: keeping.settings) { harness, client in
            let saved = Self.response("resp_read1")
            try await harness.gateway.shared.responses.save(saved)
            let reply = try await client.request(.GET, "/v1/responses/resp_read1?include[]=message.output_text.logprobs")
            #expect(reply.status == 200, "\(reply.body)")
            #expect(Array(reply.body.utf8) == saved.response)
            #expect(reply.headers["content-type"].first == "application/json")
            if keeping == .store {
                let row = try await harness.governance?.store.response(id: "resp_read1", tenantID: nil, now: Self.now)
                #expect(row == saved, "written through to the store before save returned")
            }

            let unknown = try await client.request(.GET, "/v1/responses/resp_unknown")
            #expect(unknown.status == 404)
            let error = try self.error(unknown)
            #expect(error["message"] as? String == "Response with id 'resp_unknown' not found.")
            #expect(error["type"] as? String == "invalid_request_error")

            let replay = try await client.request(.GET, "/v1/responses/resp_read1?stream=true")
            #expect(replay.status == 400)
            #expect(try self.error(replay)["param"] as? String == "stream")
        }
    }

    @Test func idsThatCannotBeResponsesAreRefusedBeforeAnyLookup() async throws {
        try await withGateway { _, client in
            let wrongPrefix = try await client.request(.GET, "/v1/responses/msg_123")
            #expect(wrongPrefix.status == 400)
            #expect(try self.error(wrongPrefix)["message"] as? String == "Invalid 'response_id': 'msg_123'. Expected an ID that begins with 'resp'.")
            let long = "resp_" + String(repeating: "x", count: 300)
            let tooLong = try await client.request(.DELETE, "/v1/responses/\(long)")
            #expect(tooLong.status == 400)
            #expect(!tooLong.body.contains(long), "a long id is not echoed whole")
            #expect(try await client.request(.GET, "/v1/responses/resp%20x/input_items").status == 400)
            #expect(try await client.request(.GET, "/v1/responses/resp_1", key: nil).status == 401)
        }
    }

    // MARK: Tenants

    @Test func anotherTenantsKeyFindsNothing() async throws {
        try await withGateway(settings: GatewayHarness.governanceSettings()) { harness, client in
            let acme = try await self.key(client, tenant: "acme")
            let beta = try await self.key(client, tenant: "beta")
            try await harness.gateway.shared.responses.save(Self.response("resp_acme", tenant: "acme"))

            for key in [beta, "sk-test"] {
                for (method, path) in [
                    (HTTPMethod.GET, "/v1/responses/resp_acme"), (.GET, "/v1/responses/resp_acme/input_items"),
                    (.DELETE, "/v1/responses/resp_acme"), (.POST, "/v1/responses/resp_acme/cancel"),
                ] {
                    let reply = try await client.request(method, path, key: key)
                    #expect(reply.status == 404, "\(method) \(path)")
                    #expect(reply.body.contains("not found."), "\(reply.body)")
                }
                await #expect(throws: GatewayError.previousResponseNotFound("resp_acme")) {
                    try await harness.gateway.shared.responses.history(continuing: "resp_acme", owner: ResponseOwner(tenantID: key == beta ? "beta" : nil, keyID: nil))
                }
            }
            #expect(try await client.request(.GET, "/v1/responses/resp_acme", key: acme).status == 200, "its own tenant still can read it")
        }
    }

    /// Keys without a tenant each keep their own responses: one cannot read, continue or delete another's.
    @Test func keysWithoutATenantFindOnlyTheirOwn() async throws {
        try await withGateway(settings: GatewayHarness.governanceSettings()) { _, client in
            var keys: [String] = []
            for name in ["first", "second"] {
                let reply = try await client.request(.POST, "/admin/keys", body: #"{"name":"\#(name)"}"#, key: GatewayHarness.adminKey)
                keys.append(try #require(try self.json(reply)["key"] as? String, "\(reply.body)"))
            }
            let made = try await client.request(.POST, "/v1/responses", body: #"{"model":"stub-ok","input":"Hello"}"#, key: keys[0])
            let id = try #require(try self.json(made)["id"] as? String, "\(made.body)")
            for (method, path) in [(HTTPMethod.GET, "/v1/responses/\(id)"), (.GET, "/v1/responses/\(id)/input_items"), (.DELETE, "/v1/responses/\(id)")] {
                #expect(try await client.request(method, path, key: keys[1]).status == 404, "\(method) \(path)")
                #expect(try await client.request(method, path).status == 404, "a static key: \(method) \(path)")
            }
            let continued = try await client.request(
                .POST, "/v1/responses", body: #"{"model":"stub-ok","previous_response_id":"\#(id)","input":"Again"}"#, key: keys[1]
            )
            #expect(continued.status == 400 && continued.body.contains("previous_response_not_found"), "\(continued.body)")
            #expect(try await client.request(.GET, "/v1/responses/\(id)", key: keys[0]).status == 200, "its own key still reads it")
        }
    }

    /// A reasoning envelope handed to one owner's client opens only in that owner's requests.
    @Test func reasoningEnvelopesOpenOnlyForTheirOwner() throws {
        let seal = try #require(SealedReasoning(key: Array(repeating: UInt8(3), count: 32)))
        let acme = ResponseOwner(tenantID: "acme", keyID: "k1")
        let envelope = seal.bound(to: acme).seal(Array("thinking".utf8))
        #expect(seal.bound(to: ResponseOwner(tenantID: "acme", keyID: "k2")).open(envelope) == Array("thinking".utf8), "any key of the tenant")
        for other in [ResponseOwner(tenantID: "beta", keyID: "k1"), ResponseOwner(tenantID: nil, keyID: "k1"), .staticKeys] {
            #expect(seal.bound(to: other).open(envelope) == nil, "\(other)")
        }
        #expect(seal.open(envelope) == nil, "nor unbound")
        let lone = seal.bound(to: ResponseOwner(tenantID: nil, keyID: "k9")).seal([1, 2])
        #expect(seal.bound(to: ResponseOwner(tenantID: nil, keyID: "k8")).open(lone) == nil, "keys without a tenant each have their own")
    }

    // MARK: Expiry and deletion

    @Test(arguments: Keeping.allCases)
    func anExpiredResponseIsNotFound(keeping: Keeping) async throws {
        try await withGateway(settings: keeping.settings) { harness, client in
            try await harness.gateway.shared.responses.save(Self.response("resp_old", expiresAt: Self.now - 1))
            #expect(try await client.request(.GET, "/v1/responses/resp_old").status == 404)
            #expect(try await client.request(.DELETE, "/v1/responses/resp_old").status == 404)
            await #expect(throws: GatewayError.previousResponseNotFound("resp_old")) {
                try await harness.gateway.shared.responses.history(continuing: "resp_old", owner: .staticKeys)
            }
        }
    }

    @Test func responsesExpireWhenTheClockPassesTheirTTL() async throws {
        let clock = Mutex<UnixTime>(1_700_000_000)
        var settings = ResponsesSettings()
        settings.storeTTL = .seconds(60)
        let log = ResponseLog(store: nil, settings: settings, logger: .init(label: "test"), now: { clock.withLock { $0 } })
        var response = Self.response("resp_ttl")
        response.createdAt = 1_700_000_000
        response.expiresAt = ResponseLog.expiry(createdAt: response.createdAt, ttl: settings.storeTTL)
        try await log.save(response)
        clock.withLock { $0 += 59 }
        #expect(try await log.find(id: "resp_ttl", owner: .staticKeys) != nil)
        clock.withLock { $0 += 1 }
        #expect(try await log.find(id: "resp_ttl", owner: .staticKeys) == nil)
        #expect(ResponseLog.expiry(createdAt: .max - 5, ttl: .seconds(60)) == .max, "saturates")
    }

    @Test func maintenancePurgesExpiredResponsesFromTheStore() async throws {
        let settings = GatewayHarness.governanceSettings().replacingOccurrences(of: "ledger_flush_interval: 50ms", with: "ledger_flush_interval: 50ms, key_refresh_interval: 50ms")
        try await withGateway(settings: settings) { harness, _ in
            let store = try #require(harness.governance?.store)
            var stale = Self.response("resp_stale", expiresAt: Self.now - 10)
            stale.createdAt = Self.now - 100
            try await store.saveResponse(stale)
            try await store.saveResponse(Self.response("resp_fresh"))
            // Read as of long ago, the expired row is there until maintenance purges it.
            for _ in 0..<500 {
                guard try await store.response(id: "resp_stale", tenantID: nil, now: 0) != nil else { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(try await store.response(id: "resp_stale", tenantID: nil, now: 0) == nil)
            #expect(try await store.response(id: "resp_fresh", tenantID: nil, now: Self.now) != nil)
        }
    }

    @Test(arguments: Keeping.allCases)
    func aDeletedResponseIsGone(keeping: Keeping) async throws {
        try await withGateway(settings: keeping.settings) { harness, client in
            let log = harness.gateway.shared.responses
            try await log.save(Self.response("resp_gone"))
            let reply = try await client.request(.DELETE, "/v1/responses/resp_gone")
            #expect(reply.status == 200)
            #expect(reply.body == #"{"id":"resp_gone","object":"response.deleted","deleted":true}"#)
            #expect(try await client.request(.GET, "/v1/responses/resp_gone").status == 404)
            #expect(try await client.request(.GET, "/v1/responses/resp_gone/input_items").status == 404)
            #expect(try await client.request(.DELETE, "/v1/responses/resp_gone").status == 404)
            await #expect(throws: GatewayError.previousResponseNotFound("resp_gone")) { try await log.history(continuing: "resp_gone", owner: .staticKeys) }
        }
    }

    // MARK: Input items

    @Test func inputItemsAreListedAPageAtATimeAsOpenAIListsThem() async throws {
        try await withGateway { harness, client in
            let input = [
                #"{"role":"developer","content":"be brief"}"#,
                #"{"type":"message","role":"user","content":[{"type":"input_text","text":"one"}]}"#,
                #"{"id":"fc_client","type":"function_call","call_id":"c1","name":"f","arguments":"{}"}"#,
                #"{"type":"function_call_output","id":null,"call_id":"c1","output":"42"}"#,
                #"{"role":"assistant","content":"earlier answer"}"#,
            ]
            try await harness.gateway.shared.responses.save(Self.response("resp_items", input: input))
            let raw = try await client.request(.GET, "/v1/responses/resp_items/input_items")
            #expect(!raw.body.contains(#""id":null"#), "a null id is replaced, not named twice: \(raw.body)")
            let all = try self.json(try await client.request(.GET, "/v1/responses/resp_items/input_items?include[]=message.input_image.image_url"))
            #expect(all["object"] as? String == "list")
            #expect(all["has_more"] as? Bool == false)
            let data = try #require(all["data"] as? [[String: Any]])
            #expect(data.count == 5)
            let ids = data.compactMap { $0["id"] as? String }
            #expect(ids.count == 5 && Set(ids).count == 5)
            #expect(all["first_id"] as? String == ids.first && all["last_id"] as? String == ids.last)
            // Newest first by default: the last input item leads.
            #expect(ids[0].hasPrefix("msg_") && ids[0].count == 52)
            #expect(ids[1].hasPrefix("fco_") && ids[2] == "fc_client" && ids[4].hasPrefix("msg_"))
            #expect(data[0]["type"] as? String == "message")
            #expect((data[0]["content"] as? [[String: Any]])?.first?["type"] as? String == "output_text")
            #expect((data[4]["content"] as? [[String: Any]])?.first?["text"] as? String == "be brief")
            #expect((data[4]["content"] as? [[String: Any]])?.first?["type"] as? String == "input_text")

            let again = try self.json(try await client.request(.GET, "/v1/responses/resp_items/input_items?order=asc"))
            #expect((again["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ids.reversed(), "ids are the same on every read")

            let first = try self.json(try await client.request(.GET, "/v1/responses/resp_items/input_items?limit=2&order=asc"))
            #expect((first["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [ids[4], ids[3]])
            #expect(first["has_more"] as? Bool == true)
            let after = try #require(first["last_id"] as? String)
            let second = try self.json(try await client.request(.GET, "/v1/responses/resp_items/input_items?limit=2&order=asc&after=\(after)"))
            #expect((second["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [ids[2], ids[1]])
            let last = try self.json(try await client.request(.GET, "/v1/responses/resp_items/input_items?limit=2&order=asc&after=\(ids[1])"))
            #expect((last["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [ids[0]])
            #expect(last["has_more"] as? Bool == false)
            let empty = try self.json(try await client.request(.GET, "/v1/responses/resp_items/input_items?after=\(ids[4])"))
            #expect((empty["data"] as? [Any])?.isEmpty == true && empty["first_id"] is NSNull && empty["has_more"] as? Bool == false)

            for (query, param) in [("limit=0", "limit"), ("limit=101", "limit"), ("limit=ten", "limit"), ("order=sideways", "order"), ("after=msg_nope", "after")] {
                let reply = try await client.request(.GET, "/v1/responses/resp_items/input_items?\(query)")
                #expect(reply.status == 400, "\(query)")
                #expect(try self.error(reply)["param"] as? String == param, "\(reply.body)")
            }
        }
    }

    // MARK: History

    @Test func historyIsTheChainOldestFirstEachTurnsInputThenOutput() async throws {
        try await withGateway { harness, _ in
            let log = harness.gateway.shared.responses
            try await log.save(Self.response("resp_h1", input: [#"{"n":1}"#, #"{"n":2}"#], output: [#"{"n":3}"#]))
            try await log.save(Self.response("resp_h2", previous: "resp_h1", input: [#"{"n":4}"#], output: [#"{"n":5}"#, #"{"n":6}"#]))
            try await log.save(Self.response("resp_h3", previous: "resp_h2", input: [#"{"n":7}"#], output: []))
            let items = try await log.history(continuing: "resp_h3", owner: .staticKeys).map { String(decoding: $0, as: UTF8.self) }
            #expect(items == (1...7).map { #"{"n":\#($0)}"# })
            #expect(try await log.history(continuing: "resp_h1", owner: .staticKeys).count == 3)

            // A chain whose older response was deleted cannot be continued, and the error names it.
            #expect(try await log.delete(id: "resp_h1", owner: .staticKeys))
            await #expect(throws: GatewayError.previousResponseNotFound("resp_h1")) { try await log.history(continuing: "resp_h3", owner: .staticKeys) }
            await #expect(throws: GatewayError.malformedResponseID("resp h3", param: "previous_response_id")) {
                try await log.history(continuing: "resp h3", owner: .staticKeys)
            }
        }
    }

    @Test func aResponseMadeWithStoreFalseCannotBeContinued() async throws {
        // The codec never saves such a response: continuing it is OpenAI's not-found.
        try await withGateway { harness, _ in
            do throws(GatewayError) {
                _ = try await harness.gateway.shared.responses.history(continuing: "resp_unstored", owner: .staticKeys)
                Issue.record("an unsaved response was continued")
            } catch {
                #expect(error.status == 400)
                #expect(error.code == "previous_response_not_found")
                #expect(error.param == "previous_response_id")
                #expect(error.message == "Previous response with id 'resp_unstored' not found.")
            }
        }
    }

    @Test(arguments: Keeping.allCases)
    func historyIsBoundedInDepthAndBytes(keeping: Keeping) async throws {
        try await withGateway(settings: keeping.settings) { harness, _ in
            var settings = ResponsesSettings()
            settings.historyMaxDepth = 3
            settings.historyMaxBytes = 2_000
            let log = ResponseLog(store: harness.governance?.store, settings: settings, logger: .init(label: "test"))
            var previous: String?
            for turn in 1...4 {
                try await log.save(Self.response("resp_d\(turn)", previous: previous))
                previous = "resp_d\(turn)"
            }
            #expect(try await log.history(continuing: "resp_d3", owner: .staticKeys).count == 6)
            await #expect(throws: GatewayError.conversationTooLong(responses: 3)) { try await log.history(continuing: "resp_d4", owner: .staticKeys) }

            let large = Array(repeating: #"{"text":"\#(String(repeating: "x", count: 500))"}"#, count: 3)
            try await log.save(Self.response("resp_b1", input: large))
            #expect(try await log.history(continuing: "resp_b1", owner: .staticKeys).count == 4)
            try await log.save(Self.response("resp_b2", previous: "resp_b1", input: large))
            do throws(GatewayError) {
                _ = try await log.history(continuing: "resp_b2", owner: .staticKeys)
                Issue.record("a chain past the byte bound was brought in")
            } catch {
                #expect(error.status == 400 && error.param == "previous_response_id" && error.message.contains("2000 bytes"))
            }
        }
    }

    @Test func withoutAStoreMemoryKeepsTheNewestWithinItsBounds() async throws {
        var settings = ResponsesSettings()
        settings.cacheMaxResponses = 2
        settings.cacheMaxBytes = 1_000
        let log = ResponseLog(store: nil, settings: settings, logger: .init(label: "test"))
        for id in ["resp_m1", "resp_m2", "resp_m3"] { try await log.save(Self.response(id)) }
        #expect(try await log.find(id: "resp_m1", owner: .staticKeys) == nil, "the oldest went first")
        #expect(try await log.find(id: "resp_m2", owner: .staticKeys) != nil && log.isDurable == false)
        let large = Self.response("resp_m4", input: [#"{"text":"\#(String(repeating: "x", count: 700))"}"#])
        try await log.save(large)
        #expect(try await log.find(id: "resp_m4", owner: .staticKeys) != nil)
        #expect(try await log.find(id: "resp_m3", owner: .staticKeys) == nil, "pushed out by bytes")
        await #expect(throws: GatewayError.self, "one larger than the whole bound cannot be kept") {
            try await log.save(Self.response("resp_m5", input: [#"{"text":"\#(String(repeating: "x", count: 1_000))"}"#]))
        }
    }

    // MARK: Cancel

    @Test func cancelRefusesAStoredResponseAsSynchronous() async throws {
        try await withGateway { harness, client in
            #expect(try await client.request(.POST, "/v1/responses/resp_unknown/cancel").status == 404)
            try await harness.gateway.shared.responses.save(Self.response("resp_done"))
            let finished = try await client.request(.POST, "/v1/responses/resp_done/cancel")
            #expect(finished.status == 400)
            #expect(try self.error(finished)["message"] as? String == "Cannot cancel a synchronous response.")
            #expect(try await client.request(.GET, "/v1/responses/resp_done").status == 200, "refusing to cancel leaves it be")
        }
    }
}
