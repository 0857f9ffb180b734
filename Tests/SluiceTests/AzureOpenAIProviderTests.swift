import Foundation
import NIOCore
import SluiceConfig
import SluiceCore
import SluiceProviders
import Testing

@Suite("Azure OpenAI deployments, over HTTP")
struct AzureOpenAIProviderTests {
    @Test(arguments: [false, true])
    func chatGoesToTheDeploymentPathWithTheAPIVersionAndKey(stream: Bool) async throws {
        try await withGateway { harness, client in
            let reply = try await client.chat(model: "azure-ok", stream: stream)
            #expect(reply.status == 200)
            if stream {
                #expect(reply.events.last == "[DONE]")
                #expect(reply.eventObjects.allSatisfy { $0["model"] as? String == "azure-ok" })
            } else {
                #expect(reply.json["model"] as? String == "azure-ok")
            }
            let sent = try #require(harness.stub.received.first)
            #expect(sent.path == "/openai/deployments/ok/chat/completions")
            #expect(sent.query == "api-version=\(AzureOpenAISettings.defaultAPIVersion)")
            #expect(sent.apiKey == "sk-azure-secret")
            #expect(sent.authorization == nil, "Azure takes the key in api-key only")
            #expect(sent.body.contains(#""model":"ok""#))
            #expect(try await harness.waitForRecords(1).first?.usage != nil)
        }
    }

    @Test func completionsAndEmbeddingsGoToTheirDeploymentPaths() async throws {
        try await withGateway { harness, client in
            let completion = try await client.request(.POST, "/v1/completions", body: #"{"model":"azure-ok","prompt":"Say hello"}"#)
            #expect(completion.json["object"] as? String == "text_completion")
            let embedding = try await client.request(.POST, "/v1/embeddings", body: #"{"model":"azure-ok","input":"hello"}"#)
            #expect(embedding.json["object"] as? String == "list")
            #expect(harness.stub.received.map(\.path) == ["/openai/deployments/ok/completions", "/openai/deployments/ok/embeddings"])
        }
    }

    @Test func theProbeListsTheResourcesModelsAtTheConfiguredAPIVersion() async throws {
        let stub = try await StubUpstream.start()
        let client = UpstreamHTTPClient(configuration: .init())
        let settings = AzureOpenAISettings(
            origin: try #require(UpstreamOrigin(baseURL: String(stub.baseURL.dropLast(3)))), apiKey: Secret("sk-azure-secret"), apiVersion: "2025-04-01-preview"
        )
        let provider = AzureOpenAIProvider(settings: settings, upstreamModel: "ok", client: client)
        do {
            try await provider.probe(deadline: .now() + .seconds(5))
        } catch {
            Issue.record("the probe failed: \(error)")
        }
        let probe = stub.probes.first
        #expect(probe?.path == "/openai/models")
        #expect(probe?.query == "api-version=2025-04-01-preview")
        #expect(probe?.apiKey == "sk-azure-secret")
        await client.shutdown()
        await stub.stop()
    }
}
