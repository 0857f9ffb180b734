import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import SluiceConfig
import SluiceCore

/// Any server that speaks the OpenAI API: OpenAI itself, vLLM, SGLang, llama.cpp, TGI, Ollama's
/// `/v1`, OpenRouter and the like. The body is forwarded as the client sent it, with only the
/// model name and `stream_options` changed.
public struct OpenAICompatibleProvider: Provider {
    let client: HTTPClient
    let upstreamModel: String
    let urls: [Endpoint: String]
    let authorization: String?

    /// Upper bound on an error body read from the upstream.
    static let maxErrorBodyBytes = 64 << 10

    public init(deployment: DeploymentConfig, client: HTTPClient) {
        self.client = client
        self.upstreamModel = deployment.upstreamModel
        let base = deployment.baseURL ?? ""
        self.urls = Dictionary(uniqueKeysWithValues: Endpoint.allCases.map { ($0, "\(base)/\($0.path)") })
        self.authorization = deployment.apiKey.flatMap { $0.value.isEmpty ? nil : "Bearer \($0.value)" }
    }

    public func send(_ request: ProviderRequest) async throws -> ProviderResponse {
        var upstream = HTTPClientRequest(url: self.urls[request.summary.endpoint]!)
        upstream.method = .POST
        upstream.headers.reserveCapacity(5)
        upstream.headers.add(name: "content-type", value: "application/json")
        upstream.headers.add(name: "accept", value: request.summary.stream ? "text/event-stream" : "application/json")
        upstream.headers.add(name: "x-request-id", value: request.requestID)
        if let authorization = self.authorization {
            upstream.headers.add(name: "authorization", value: authorization)
        }
        upstream.body = .bytes(self.upstreamBody(request))

        let response: HTTPClientResponse
        do {
            response = try await self.client.execute(upstream, deadline: request.deadline, logger: request.logger)
        } catch {
            throw UpstreamFailure.error(transport: error)
        }
        guard (200..<300).contains(response.status.code) else {
            let body = try? await response.body.collect(upTo: Self.maxErrorBodyBytes)
            request.logger.warning(
                "upstream answered with an error",
                metadata: ["upstream.status": "\(response.status.code)", "upstream.body": "\(body.map { String(buffer: $0).prefix(500) } ?? "")"]
            )
            throw UpstreamFailure.error(status: Int(response.status.code), body: body, retryAfter: response.headers.first(name: "retry-after"))
        }
        if request.summary.stream {
            return ProviderResponse(body: .stream(UpstreamBodyStream(body: response.body)))
        }
        do {
            return ProviderResponse(body: .complete(try await response.body.collect(upTo: .max)))
        } catch {
            throw UpstreamFailure.error(transport: error)
        }
    }

    /// The client's body with the upstream model name and usage reporting spliced in.
    private func upstreamBody(_ request: ProviderRequest) -> ByteBuffer {
        let edits = request.body.withUnsafeReadableBytes { request.summary.upstreamEdits(upstreamModel: self.upstreamModel, in: $0) }
        guard !edits.isEmpty else { return request.body }
        return ByteBuffer(bytes: request.body.withUnsafeReadableBytes { BodyEdit.apply(edits, to: $0) })
    }
}

/// The upstream's streamed body with transport errors mapped to gateway errors.
struct UpstreamBodyStream: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let body: HTTPClientResponse.Body

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: HTTPClientResponse.Body.AsyncIterator

        mutating func next() async throws -> ByteBuffer? {
            do {
                return try await self.base.next()
            } catch {
                throw UpstreamFailure.error(midStream: error)
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: self.body.makeAsyncIterator())
    }
}
