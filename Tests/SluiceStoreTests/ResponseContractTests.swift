import SluiceStore
import Testing

extension StoreContractTests {
    private static func response(
        _ id: String, tenantID: String? = "acme", createdAt: UnixTime = 1_700_000_000, expiresAt: UnixTime = 1_700_000_100,
        inputItems: String = #"[{"role":"user","content":"naïve 🌊"}]"#, response: String? = nil
    ) -> StoredResponse {
        StoredResponse(
            id: id, tenantID: tenantID, keyID: "sk-sluice-00000001", createdAt: createdAt, expiresAt: expiresAt, previousResponseID: "resp_before",
            model: "gpt", inputItems: Array(inputItems.utf8), response: Array((response ?? #"{"id":"\#(id)","output":[]}"#).utf8)
        )
    }

    @Test(arguments: StoreBackend.configured)
    func responsesRoundTripWithinTheirTenant(backend: StoreBackend) async throws {
        try await backend.withStore { store throws in
            let tenants = Self.response("resp_1")
            var bare = Self.response("resp_2", tenantID: nil)
            bare.keyID = nil
            bare.previousResponseID = nil
            try await store.saveResponse(tenants)
            try await store.saveResponse(bare)

            #expect(try await store.response(id: "resp_1", tenantID: "acme", now: 1_700_000_050) == tenants)
            #expect(try await store.response(id: "resp_2", tenantID: nil, now: 1_700_000_050) == bare)
            #expect(try await store.response(id: "resp_1", tenantID: "beta", now: 1_700_000_050) == nil, "another tenant's")
            #expect(try await store.response(id: "resp_1", tenantID: nil, now: 1_700_000_050) == nil, "no tenant is not every tenant")
            #expect(try await store.response(id: "resp_2", tenantID: "acme", now: 1_700_000_050) == nil)
            #expect(try await store.response(id: "resp_missing", tenantID: "acme", now: 1_700_000_050) == nil)
        }
    }

    @Test(arguments: StoreBackend.configured)
    func aDuplicateResponseIsAConflict(backend: StoreBackend) async throws {
        try await backend.withStore { store throws in
            try await store.saveResponse(Self.response("resp_1"))
            await #expect(throws: StoreError.conflict("response resp_1")) {
                try await store.saveResponse(Self.response("resp_1", tenantID: "beta"))
            }
            #expect(try await store.response(id: "resp_1", tenantID: "acme", now: 1_700_000_000) != nil)
        }
    }

    @Test(arguments: StoreBackend.configured)
    func responsesExpireAndArePurged(backend: StoreBackend) async throws {
        try await backend.withStore { store throws in
            try await store.saveResponse(Self.response("resp_old", expiresAt: 1_700_000_100))
            try await store.saveResponse(Self.response("resp_new", expiresAt: 1_700_000_200))
            #expect(try await store.response(id: "resp_old", tenantID: "acme", now: 1_700_000_099) != nil)
            #expect(try await store.response(id: "resp_old", tenantID: "acme", now: 1_700_000_100) == nil, "gone at its expiry")
            #expect(try await store.deleteResponse(id: "resp_old", tenantID: "acme", now: 1_700_000_100) == false, "an expired one is not found")

            try await store.saveResponse(Self.response("resp_older", expiresAt: 1_700_000_090))
            #expect(try await store.purgeResponses(expiredAt: 1_700_000_150, limit: 1) == 1, "one batch of one")
            #expect(try await store.purgeResponses(expiredAt: 1_700_000_150, limit: 10) == 1)
            #expect(try await store.purgeResponses(expiredAt: 1_700_000_150, limit: 10) == 0)
            #expect(try await store.response(id: "resp_old", tenantID: "acme", now: 1_700_000_000) == nil, "purged for good")
            #expect(try await store.response(id: "resp_new", tenantID: "acme", now: 1_700_000_150) != nil)
        }
    }

    @Test(arguments: StoreBackend.configured)
    func aResponseIsDeletedOnlyByItsTenant(backend: StoreBackend) async throws {
        try await backend.withStore { store throws in
            try await store.saveResponse(Self.response("resp_1"))
            #expect(try await store.deleteResponse(id: "resp_1", tenantID: "beta", now: 1_700_000_000) == false)
            #expect(try await store.deleteResponse(id: "resp_1", tenantID: nil, now: 1_700_000_000) == false)
            #expect(try await store.deleteResponse(id: "resp_1", tenantID: "acme", now: 1_700_000_000))
            #expect(try await store.deleteResponse(id: "resp_1", tenantID: "acme", now: 1_700_000_000) == false)
            #expect(try await store.response(id: "resp_1", tenantID: "acme", now: 1_700_000_000) == nil)
        }
    }

    @Test(arguments: StoreBackend.configured)
    func responsesTheGatewayCouldNotHaveWrittenAreRefusedWhenRead(backend: StoreBackend) async throws {
        try await backend.withStore { store throws in
            let unreadable = [
                Self.response("resp_object_items", inputItems: #"{"role":"user"}"#),
                Self.response("resp_smuggled_items", inputItems: #"[1],"more":[2]"#),
                Self.response("resp_truncated", response: #"{"id":"resp_truncated","output":["#),
                Self.response("resp_array_response", response: "[]"),
                Self.response("resp_before_1970", createdAt: -1),
                Self.response("resp_expires_before_made", createdAt: 1_700_000_000, expiresAt: 1_699_999_999),
            ]
            for response in unreadable {
                try await store.saveResponse(response)
                await #expect(throws: (any Error).self, "\(response.id)") {
                    try await store.response(id: response.id, tenantID: "acme", now: 1_600_000_000)
                }
            }
        }
    }
}
