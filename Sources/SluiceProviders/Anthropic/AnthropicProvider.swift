import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SluiceConfig
import SluiceCore
import SluiceTranslation

/// Anthropic's Messages API behind the OpenAI dialect: a chat completions request is translated
/// into a Messages request (``AnthropicRequestTranslator``) for `POST {base_url}/messages`, and the
/// message or event stream that comes back into an OpenAI chat completion or chunk stream under
/// the public model name, usage included. Completions and embeddings have no Messages
/// counterpart and are refused.
public struct AnthropicProvider: Provider {
    let client: UpstreamHTTPClient
    let origin: UpstreamOrigin
    let upstreamModel: String
    let publicModel: String
    /// Anthropic's required `max_tokens` when the client sets no limit.
    let defaultMaxTokens: Int
    /// Whether thinking is left out of answers (`reasoning: strip`).
    let stripsReasoning: Bool
    let messagesPath: String
    let countTokensPath: String
    let modelsPath: String
    /// The headers every request carries (host, key, API version, content type).
    let baseHeaders: HTTPHeaders

    /// `max_tokens` when neither the client nor the deployment's `max_output_tokens` sets one.
    static let fallbackMaxTokens = 4096
    /// Upper bound on an error body read from the upstream.
    static let maxErrorBodyBytes = 64 << 10
    /// How Anthropic's 400 begins when the prompt exceeds the context window ("prompt is too
    /// long: 210000 tokens > 200000 maximum").
    static let promptTooLongMessage = "prompt is too long"

    /// - Parameter maxOutputTokens: the deployment's `max_output_tokens`, sent as `max_tokens`
    ///   when the client sets no limit.
    public init(
        settings: AnthropicSettings, upstreamModel: String, publicModel: String, maxOutputTokens: Int?, reasoning: ReasoningHandling,
        client: UpstreamHTTPClient
    ) {
        self.client = client
        let origin = settings.origin
        self.origin = origin
        self.upstreamModel = upstreamModel
        self.publicModel = publicModel
        self.defaultMaxTokens = maxOutputTokens ?? Self.fallbackMaxTokens
        self.stripsReasoning = reasoning == .strip
        self.messagesPath = "\(origin.basePath)/messages"
        self.countTokensPath = "\(origin.basePath)/messages/count_tokens"
        self.modelsPath = "\(origin.basePath)/models?limit=1"
        var headers = HTTPHeaders()
        headers.add(name: "host", value: origin.hostHeader)
        headers.add(name: "user-agent", value: "sluice")
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "anthropic-version", value: settings.version)
        if let key = settings.apiKey {
            headers.add(name: "x-api-key", value: key.value)
        }
        self.baseHeaders = headers
    }

    public func send(_ request: ProviderRequest) async throws -> ProviderResponse {
        if request.dialect == .anthropicMessages { return try await self.sendNative(request) }
        guard request.summary.endpoint == .chatCompletions else {
            throw GatewayError(
                status: 400, type: "invalid_request_error", code: "unsupported_endpoint",
                message: "The model `\(request.summary.model)` is served by Anthropic's Messages API, which cannot serve /v1/\(request.summary.endpoint.path); use /v1/chat/completions."
            )
        }
        let body: ByteBuffer
        do throws(TranslationError) {
            body = ByteBuffer(bytes: try AnthropicRequestTranslator.translate(
                openAIChat: request.body.readableBytesView, model: self.upstreamModel, defaultMaxTokens: self.defaultMaxTokens
            ))
        } catch {
            throw error.gatewayError
        }
        let response = try await self.post(
            body, to: self.messagesPath, requestID: request.requestID, deadline: request.deadline, streaming: request.summary.stream
        )
        let created = Int(Date().timeIntervalSince1970)
        switch response.body {
        case .complete(let buffer):
            guard (200..<300).contains(response.status) else { throw self.failure(response, body: buffer, logger: request.logger) }
            do throws(TranslationError) {
                let translated = try AnthropicResponseTranslator.translate(
                    anthropicMessage: buffer.readableBytesView, publicModel: self.publicModel, created: created, stripsReasoning: self.stripsReasoning
                )
                return ProviderResponse(body: .complete(ByteBuffer(bytes: translated.body)))
            } catch {
                throw error.gatewayError
            }
        case .stream(let parts):
            guard (200..<300).contains(response.status) else {
                throw self.failure(response, body: try? await parts.collect(upTo: Self.maxErrorBodyBytes), logger: request.logger)
            }
            // Usage is always asked for: the gateway records it and drops the chunk when the client did not ask.
            let translator = AnthropicStreamToOpenAI(
                publicModel: self.publicModel, created: created, includeUsage: true, stripsReasoning: self.stripsReasoning
            )
            return ProviderResponse(body: .stream(AnthropicChunkStream(parts: parts, translator: translator)))
        }
    }

    /// `POST /messages/count_tokens` with the upstream's model name and the client's API version and betas.
    public func countTokens(
        anthropicMessages body: ByteBuffer, forwardedHeaders: [(name: String, value: String)], requestID: String, deadline: NIODeadline, logger: Logger
    ) async throws -> ByteBuffer {
        let response = try await self.post(
            try self.withUpstreamModel(body, model: nil), to: self.countTokensPath, forwarding: forwardedHeaders, requestID: requestID,
            deadline: deadline, streaming: false
        )
        guard case .complete(let answer) = response.body, (200..<300).contains(response.status) else {
            guard case .complete(let answer) = response.body else { throw GatewayError.upstreamFailed("it streamed a token count") }
            throw self.failure(response, body: answer, logger: logger)
        }
        return answer
    }

    /// `GET /models`, which Anthropic answers with the key's models without running one. Only a
    /// 2xx passes: a key that is refused there (401, 403) would be refused for messages too.
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

    /// POSTs `body` to `path` with the deployment's headers, the client's forwarded ones and the
    /// request's id.
    func post(
        _ body: ByteBuffer, to path: String, forwarding forwarded: [(name: String, value: String)] = [], requestID: String, deadline: NIODeadline,
        streaming: Bool
    ) async throws -> UpstreamResponse {
        var headers = self.baseHeaders
        for (name, value) in forwarded where Self.forwardedHeaderNames.contains(name) {
            headers.replaceOrAdd(name: name, value: value)
        }
        headers.add(name: "content-length", value: String(body.readableBytes))
        headers.add(name: "accept", value: streaming ? "text/event-stream" : "application/json")
        headers.add(name: "x-request-id", value: requestID)
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path, headers: headers)
        do {
            return try await self.client.execute(origin: self.origin, head: head, body: body, deadline: deadline, streaming: streaming)
        } catch {
            throw UpstreamFailure.error(transport: error)
        }
    }

    /// An Anthropic body with `model` set to the upstream's name.
    /// - Parameter model: the body's `model` member when already read; nil to read it.
    func withUpstreamModel(_ body: ByteBuffer, model: JSONMember?) throws(GatewayError) -> ByteBuffer {
        let edited = body.withUnsafeReadableBytes { bytes -> [UInt8]? in
            guard let model = model ?? (try? JSONScanner.topLevelMembers(of: bytes))?.member("model") else { return nil }
            return BodyEdit.apply([BodyEdit(range: model.value, replacement: JSONString.quoted(self.upstreamModel))], to: bytes)
        }
        guard let edited else { throw GatewayError.invalidRequest("model: Field required", param: "model") }
        return ByteBuffer(bytes: edited)
    }

    /// The upstream's error in the OpenAI shape: 429 and 529 (overloaded) stay retryable with the
    /// upstream's `Retry-After`, other 5xx become 502, and 4xx pass through with the upstream's
    /// message; a prompt too long for the model gets OpenAI's `context_length_exceeded`, so the
    /// model's fallbacks are tried.
    func failure(_ response: UpstreamResponse, body: ByteBuffer?, logger: Logger) -> GatewayError {
        logger.warning(
            "upstream answered with an error",
            metadata: ["upstream.status": "\(response.status)", "upstream.body": "\(body.map { String(buffer: $0).prefix(500) } ?? "")"]
        )
        var error = AnthropicErrorMapping.gatewayError(status: response.status, anthropicBody: body?.readableBytesView ?? ByteBufferView())
        if let retryAfter = UpstreamRetryAfter.value(in: response.headers), error.status == 429 || error.status == 503 {
            error.retryAfter = retryAfter
        }
        if error.status == 400, error.message.hasPrefix(Self.promptTooLongMessage) {
            error.code = "context_length_exceeded"
        }
        return error
    }
}
