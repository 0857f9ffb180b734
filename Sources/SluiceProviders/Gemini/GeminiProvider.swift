import Foundation
import NIOCore
import NIOHTTP1
import SluiceConfig
import SluiceCore
import SluiceTranslation

/// Google's Gemini API behind the OpenAI dialect: a chat completions request is translated into a
/// `generateContent` request (``GeminiRequestTranslator``) for
/// `POST {base_url}/models/{model}:generateContent` (`:streamGenerateContent?alt=sse` when
/// streamed), and the answer back into an OpenAI chat completion or chunk stream under the public
/// model name, usage included. Embeddings go to `:batchEmbedContents`; completions have no Gemini
/// counterpart and are refused. The key travels in `x-goog-api-key`.
public struct GeminiProvider: Provider {
    let client: UpstreamHTTPClient
    let origin: UpstreamOrigin
    let upstreamModel: String
    let publicModel: String
    let generatePath: String
    let streamPath: String
    let embedPath: String
    let modelsPath: String
    /// The headers every request carries (host, key, content type).
    let baseHeaders: HTTPHeaders

    /// Upper bound on an error body read from the upstream.
    static let maxErrorBodyBytes = 64 << 10

    public init(settings: GeminiSettings, upstreamModel: String, publicModel: String, client: UpstreamHTTPClient) {
        self.client = client
        let origin = settings.origin
        self.origin = origin
        self.upstreamModel = upstreamModel
        self.publicModel = publicModel
        let modelPath = "\(origin.basePath)/models/\(upstreamModel)"
        self.generatePath = "\(modelPath):generateContent"
        self.streamPath = "\(modelPath):streamGenerateContent?alt=sse"
        self.embedPath = "\(modelPath):batchEmbedContents"
        self.modelsPath = "\(origin.basePath)/models?pageSize=1"
        var headers = HTTPHeaders()
        headers.add(name: "host", value: origin.hostHeader)
        headers.add(name: "user-agent", value: "sluice")
        headers.add(name: "content-type", value: "application/json")
        if let key = settings.apiKey {
            headers.add(name: "x-goog-api-key", value: key.value)
        }
        self.baseHeaders = headers
    }

    public func send(_ request: ProviderRequest) async throws -> ProviderResponse {
        guard request.summary.endpoint != .completions else {
            throw GatewayError(
                status: 400, type: "invalid_request_error", code: "unsupported_endpoint",
                message: "The model `\(request.summary.model)` is served by the Gemini API, which cannot serve /v1/completions; use /v1/chat/completions."
            )
        }
        let path: String
        let body: ByteBuffer
        do throws(TranslationError) {
            if request.summary.endpoint == .embeddings {
                path = self.embedPath
                body = ByteBuffer(bytes: try GeminiEmbeddingsTranslator.translate(openAIEmbeddings: request.body.readableBytesView, model: self.upstreamModel))
            } else {
                path = request.summary.stream ? self.streamPath : self.generatePath
                body = ByteBuffer(bytes: try GeminiRequestTranslator.translate(openAIChat: request.body.readableBytesView, model: self.upstreamModel))
            }
        } catch {
            throw error.gatewayError
        }
        var headers = self.baseHeaders
        headers.add(name: "content-length", value: String(body.readableBytes))
        headers.add(name: "accept", value: request.summary.stream ? "text/event-stream" : "application/json")
        headers.add(name: "x-request-id", value: request.requestID)
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path, headers: headers)

        let response: UpstreamResponse
        do {
            response = try await self.client.execute(origin: self.origin, head: head, body: body, deadline: request.deadline, streaming: request.summary.stream)
        } catch {
            throw UpstreamFailure.error(transport: error)
        }
        let created = Int(Date().timeIntervalSince1970)
        switch response.body {
        case .complete(let buffer):
            guard (200..<300).contains(response.status) else { throw self.failure(response, body: buffer, logger: request) }
            do throws(TranslationError) {
                if request.summary.endpoint == .embeddings {
                    let list = try GeminiEmbeddingsTranslator.translate(geminiEmbeddings: buffer.readableBytesView, publicModel: self.publicModel)
                    return ProviderResponse(body: .complete(ByteBuffer(bytes: list)))
                }
                let translated = try GeminiResponseTranslator.translate(geminiResponse: buffer.readableBytesView, publicModel: self.publicModel, created: created)
                return ProviderResponse(body: .complete(ByteBuffer(bytes: translated.body)))
            } catch {
                throw error.gatewayError
            }
        case .stream(let parts):
            guard (200..<300).contains(response.status) else {
                throw self.failure(response, body: try? await parts.collect(upTo: Self.maxErrorBodyBytes), logger: request)
            }
            // Usage is always asked for: the gateway records it and drops the chunk when the client did not ask.
            let translator = GeminiStreamToOpenAI(publicModel: self.publicModel, created: created, includeUsage: true)
            return ProviderResponse(body: .stream(GeminiChunkStream(parts: parts, translator: translator)))
        }
    }

    /// `GET /models?pageSize=1`, which Gemini answers with the key's models without running one.
    /// Only a 2xx passes: a key refused there would be refused for generation too.
    public func probe(deadline: NIODeadline) async throws {
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: self.modelsPath, headers: self.baseHeaders)
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

    /// The upstream's error in the OpenAI shape (``GeminiErrorMapping``), with the upstream's
    /// `Retry-After` on 429 and 503 (its header, or else the body's `RetryInfo` delay).
    private func failure(_ response: UpstreamResponse, body: ByteBuffer?, logger request: ProviderRequest) -> GatewayError {
        request.logger.warning(
            "upstream answered with an error",
            metadata: ["upstream.status": "\(response.status)", "upstream.body": "\(body.map { String(buffer: $0).prefix(500) } ?? "")"]
        )
        var error = GeminiErrorMapping.gatewayError(status: response.status, geminiBody: body?.readableBytesView ?? ByteBufferView())
        if let retryAfter = UpstreamRetryAfter.value(in: response.headers), error.status == 429 || error.status == 503 {
            error.retryAfter = retryAfter
        }
        return error
    }
}
