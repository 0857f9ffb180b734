import NIOCore
import NIOHTTP1
import SluiceConfig
import SluiceCore

/// Any server that speaks the OpenAI API: OpenAI itself, vLLM, SGLang, llama.cpp, TGI, Ollama's
/// `/v1`, OpenRouter and the like. The body is forwarded as the client sent it, with only the
/// model name and `stream_options` changed.
public struct OpenAICompatibleProvider: Provider {
    let client: UpstreamHTTPClient
    let origin: UpstreamOrigin
    let upstreamModel: String
    /// Request targets by endpoint, such as `/v1/chat/completions`.
    let paths: EndpointPaths
    /// The target of the health probe, such as `/v1/models`.
    let probePath: String
    /// The headers every request carries (host, credential, content type).
    let baseHeaders: HTTPHeaders
    /// Whether the server answers the Responses API itself.
    let servesResponses: Bool

    /// Upper bound on an error body read from the upstream.
    static let maxErrorBodyBytes = 64 << 10

    /// A server at `{base_url}/{endpoint}` that takes the key as `Authorization: Bearer`.
    public init(settings: OpenAISettings, upstreamModel: String, client: UpstreamHTTPClient) {
        let origin = settings.origin
        self.init(
            origin: origin, upstreamModel: upstreamModel, client: client,
            paths: EndpointPaths { "\(origin.basePath)/\($0.path)" },
            probePath: "\(origin.basePath)/models",
            credential: settings.apiKey.map { (name: "authorization", value: "Bearer \($0.value)") }, servesResponses: settings.servesResponses
        )
    }

    /// A server that speaks the OpenAI API at other paths or takes its key in another header.
    /// - Parameter credential: the header that carries the key; nil when there is no key.
    /// - Parameter servesResponses: whether the server answers the Responses API itself.
    init(
        origin: UpstreamOrigin, upstreamModel: String, client: UpstreamHTTPClient, paths: EndpointPaths, probePath: String,
        credential: (name: String, value: String)?, servesResponses: Bool = false
    ) {
        self.servesResponses = servesResponses
        self.client = client
        self.origin = origin
        self.upstreamModel = upstreamModel
        self.paths = paths
        self.probePath = probePath
        var headers = HTTPHeaders()
        headers.add(name: "host", value: origin.hostHeader)
        headers.add(name: "user-agent", value: "sluice")
        headers.add(name: "content-type", value: "application/json")
        if let credential {
            headers.add(name: credential.name, value: credential.value)
        }
        self.baseHeaders = headers
    }

    /// OpenAI's chat dialect always; the Responses API when the deployment says the server answers it.
    public func speaksNatively(_ dialect: WireDialect) -> Bool {
        dialect == .openAIChat || (dialect == .openAIResponses && self.servesResponses)
    }

    public func send(_ request: ProviderRequest) async throws -> ProviderResponse {
        let body = self.upstreamBody(request)
        var headers = self.baseHeaders
        headers.add(name: "content-length", value: String(body.readableBytes))
        headers.add(name: "accept", value: request.summary.stream ? "text/event-stream" : "application/json")
        headers.add(name: "x-request-id", value: request.requestID)
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: self.paths[request.summary.endpoint], headers: headers)

        let response: UpstreamResponse
        do {
            response = try await self.client.execute(origin: self.origin, head: head, body: body, deadline: request.deadline, streaming: request.summary.stream)
        } catch {
            throw UpstreamFailure.error(transport: error)
        }
        switch response.body {
        case .complete(let buffer):
            guard (200..<300).contains(response.status) else { throw self.failure(response, body: buffer, logger: request) }
            return ProviderResponse(body: .complete(buffer), dialect: request.dialect)
        case .stream(let parts):
            guard (200..<300).contains(response.status) else {
                throw self.failure(response, body: try? await parts.collect(upTo: Self.maxErrorBodyBytes), logger: request)
            }
            return ProviderResponse(body: .stream(UpstreamBodyStream(parts: parts)), dialect: request.dialect)
        }
    }

    /// `GET /models`, which every OpenAI-compatible server answers without running the model.
    public func probe(deadline: NIODeadline) async throws {
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: self.probePath, headers: self.baseHeaders)
        let response: UpstreamResponse
        do {
            response = try await self.client.execute(origin: self.origin, head: head, body: ByteBuffer(), deadline: deadline, streaming: false)
        } catch {
            throw UpstreamFailure.error(transport: error)
        }
        guard (200..<300).contains(response.status) else {
            throw GatewayError.upstreamFailed("its health probe answered HTTP \(response.status)")
        }
    }

    private func failure(_ response: UpstreamResponse, body: ByteBuffer?, logger request: ProviderRequest) -> GatewayError {
        request.logger.warning(
            "upstream answered with an error",
            metadata: ["upstream.status": "\(response.status)", "upstream.body": "\(body.map { String(buffer: $0).prefix(500) } ?? "")"]
        )
        return UpstreamFailure.error(status: response.status, body: body, retryAfter: UpstreamRetryAfter.value(in: response.headers))
    }

    /// The client's body with the upstream model name and usage reporting spliced in.
    private func upstreamBody(_ request: ProviderRequest) -> ByteBuffer {
        let edits = request.body.withUnsafeReadableBytes { request.summary.upstreamEdits(upstreamModel: self.upstreamModel, in: $0) }
        guard !edits.isEmpty else { return request.body }
        return ByteBuffer(bytes: request.body.withUnsafeReadableBytes { BodyEdit.apply(edits, to: $0) })
    }
}
