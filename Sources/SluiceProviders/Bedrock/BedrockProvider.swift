import Foundation
import NIOCore
import NIOHTTP1
import SluiceConfig
import SluiceCore
import SluiceTranslation

/// Amazon Bedrock Runtime's Converse API behind the OpenAI dialect: a chat completions request is
/// translated (``BedrockRequestTranslator``) for `POST {base_url}/model/{model}/converse` (or
/// `/converse-stream`), signed with AWS Signature Version 4 for service `bedrock`, and the
/// response or event stream that comes back translated into an OpenAI chat completion or chunk
/// stream under the public model name, usage included. Completions and embeddings have no
/// Converse counterpart and are refused.
public struct BedrockProvider: Provider {
    let client: UpstreamHTTPClient
    let origin: UpstreamOrigin
    let signer: SigV4Signer
    let publicModel: String
    /// The Bedrock model id, which decides how reasoning is asked for.
    let upstreamModel: String
    /// The paths as sent, the model id's `:` encoded as `%3A`.
    let conversePath: String
    let converseStreamPath: String

    /// Upper bound on an error body read from the upstream.
    static let maxErrorBodyBytes = 64 << 10
    /// The probe's body: a Converse request without messages, which Bedrock refuses with a
    /// `ValidationException` after checking the signature and the model, and without running it.
    static let probeBody = ByteBuffer(string: #"{"messages":[]}"#)

    public init(settings: BedrockSettings, upstreamModel: String, publicModel: String, client: UpstreamHTTPClient) {
        self.client = client
        let origin = settings.origin
        self.origin = origin
        self.signer = SigV4Signer(
            credentials: .init(
                accessKeyID: settings.accessKeyID, secretAccessKey: settings.secretAccessKey.value,
                sessionToken: settings.sessionToken?.value),
            region: settings.region, service: "bedrock")
        self.publicModel = publicModel
        self.upstreamModel = upstreamModel
        let modelPath = SigV4Signer.encodedPath("\(origin.basePath)/model/\(upstreamModel)")
        self.conversePath = "\(modelPath)/converse"
        self.converseStreamPath = "\(modelPath)/converse-stream"
    }

    public func send(_ request: ProviderRequest) async throws -> ProviderResponse {
        guard request.summary.endpoint == .chatCompletions else {
            throw GatewayError(
                status: 400, type: "invalid_request_error", code: "unsupported_endpoint",
                message: "The model `\(request.summary.model)` is served by Amazon Bedrock's Converse API, which cannot serve /v1/\(request.summary.endpoint.path); use /v1/chat/completions."
            )
        }
        let body: ByteBuffer
        do throws(TranslationError) {
            body = ByteBuffer(bytes: try BedrockRequestTranslator.translate(openAIChat: request.body.readableBytesView, model: self.upstreamModel))
        } catch {
            throw error.gatewayError
        }
        let stream = request.summary.stream
        let head = self.signedHead(
            path: stream ? self.converseStreamPath : self.conversePath, body: body,
            accept: stream ? "application/vnd.amazon.eventstream" : "application/json")
        let response: UpstreamResponse
        do {
            response = try await self.client.execute(origin: self.origin, head: head, body: body, deadline: request.deadline, streaming: stream)
        } catch {
            throw UpstreamFailure.error(transport: error)
        }
        let created = Int(Date().timeIntervalSince1970)
        let id = "chatcmpl-\(request.requestID)"
        switch response.body {
        case .complete(let buffer):
            guard (200..<300).contains(response.status) else { throw self.failure(response, body: buffer, logger: request) }
            do throws(TranslationError) {
                let translated = try BedrockResponseTranslator.translate(
                    converseResponse: buffer.readableBytesView, id: id, publicModel: self.publicModel, created: created)
                return ProviderResponse(body: .complete(ByteBuffer(bytes: translated.body)))
            } catch {
                throw error.gatewayError
            }
        case .stream(let parts):
            guard (200..<300).contains(response.status) else {
                throw self.failure(response, body: try? await parts.collect(upTo: Self.maxErrorBodyBytes), logger: request)
            }
            // Usage is always asked for: the gateway records it and drops the chunk when the client did not ask.
            let translator = BedrockStreamToOpenAI(id: id, publicModel: self.publicModel, created: created, includeUsage: true)
            return ProviderResponse(body: .stream(BedrockChunkStream(parts: parts, translator: translator)))
        }
    }

    /// A signed Converse request without messages: Bedrock checks the signature, the
    /// credentials' access to the model and the model's readiness before it refuses the empty
    /// conversation with a 400 `ValidationException`, so that answer (or a 2xx) means healthy
    /// without generating a token; any other answer (401, 403, 404, 429, 5xx) means unhealthy.
    public func probe(deadline: NIODeadline) async throws {
        let head = self.signedHead(path: self.conversePath, body: Self.probeBody, accept: "application/json")
        let response: UpstreamResponse
        do {
            response = try await self.client.execute(origin: self.origin, head: head, body: Self.probeBody, deadline: deadline, streaming: false)
        } catch {
            throw UpstreamFailure.error(transport: error)
        }
        let validationRefusal = response.status == 400 && response.headers.first(name: "x-amzn-errortype")?.hasPrefix("ValidationException") == true
        guard (200..<300).contains(response.status) || validationRefusal else {
            throw GatewayError.upstreamFailed("its health probe answered HTTP \(response.status)")
        }
    }

    private func signedHead(path: String, body: ByteBuffer, accept: String) -> HTTPRequestHead {
        let signed: [(name: String, value: String)] = [("content-type", "application/json"), ("accept", accept)]
        let signature = self.signer.sign(
            method: "POST", host: self.origin.hostHeader, path: path, headers: signed, payload: body.readableBytesView, date: Date())
        var headers = HTTPHeaders()
        headers.add(name: "host", value: self.origin.hostHeader)
        headers.add(name: "user-agent", value: "sluice")
        for header in signed + signature.addedHeaders { headers.add(name: header.name, value: header.value) }
        headers.add(name: "authorization", value: signature.authorization)
        headers.add(name: "content-length", value: String(body.readableBytes))
        return HTTPRequestHead(version: .http1_1, method: .POST, uri: path, headers: headers)
    }

    /// The upstream's error in the OpenAI shape, by its `x-amzn-errortype` (``BedrockErrorMapping``),
    /// with the upstream's `Retry-After` on 429 and 503.
    private func failure(_ response: UpstreamResponse, body: ByteBuffer?, logger request: ProviderRequest) -> GatewayError {
        request.logger.warning(
            "upstream answered with an error",
            metadata: ["upstream.status": "\(response.status)", "upstream.body": "\(body.map { String(buffer: $0).prefix(500) } ?? "")"]
        )
        var error = BedrockErrorMapping.gatewayError(
            status: response.status, exceptionType: response.headers.first(name: "x-amzn-errortype"),
            body: body?.readableBytesView ?? ByteBufferView())
        if let retryAfter = UpstreamRetryAfter.value(in: response.headers), error.status == 429 || error.status == 503 {
            error.retryAfter = retryAfter
        }
        return error
    }
}
