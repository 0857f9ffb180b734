import NIOCore
import NIOHTTP1
import SluiceCore

/// Anthropic Messages requests forwarded as they are: only `model` becomes the upstream's name,
/// the client's `anthropic-version` and `anthropic-beta` headers travel with the request, and
/// the answer, whole or streamed, comes back in Anthropic's own shape for the gateway to relay.
extension AnthropicProvider {
    public func speaksNatively(_ dialect: WireDialect) -> Bool {
        true
    }

    func sendNative(_ request: ProviderRequest) async throws -> ProviderResponse {
        let edited = request.body.withUnsafeReadableBytes { bytes -> [UInt8]? in
            guard let model = request.summary.members.member("model") else { return nil }
            return BodyEdit.apply([BodyEdit(range: model.value, replacement: JSONString.quoted(self.upstreamModel))], to: bytes)
        }
        guard let edited else { throw GatewayError.invalidRequest("model: Field required", param: "model") }
        let body = ByteBuffer(bytes: edited)
        var headers = self.baseHeaders
        for (name, value) in request.forwardedHeaders where Self.forwardedHeaderNames.contains(name) {
            headers.replaceOrAdd(name: name, value: value)
        }
        headers.add(name: "content-length", value: String(body.readableBytes))
        headers.add(name: "accept", value: request.summary.stream ? "text/event-stream" : "application/json")
        headers.add(name: "x-request-id", value: request.requestID)
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: self.messagesPath, headers: headers)
        let response: UpstreamResponse
        do {
            response = try await self.client.execute(origin: self.origin, head: head, body: body, deadline: request.deadline, streaming: request.summary.stream)
        } catch {
            throw UpstreamFailure.error(transport: error)
        }
        switch response.body {
        case .complete(let buffer):
            guard (200..<300).contains(response.status) else { throw self.failure(response, body: buffer, logger: request.logger) }
            return ProviderResponse(body: .complete(buffer), dialect: .anthropicMessages)
        case .stream(let parts):
            guard (200..<300).contains(response.status) else {
                throw self.failure(response, body: try? await parts.collect(upTo: Self.maxErrorBodyBytes), logger: request.logger)
            }
            return ProviderResponse(body: .stream(parts), dialect: .anthropicMessages)
        }
    }

    /// The client headers a natively forwarded request carries: the API version it was written
    /// for and the beta features it uses (prompt-caching TTLs, interleaved thinking, …).
    static let forwardedHeaderNames: Set<String> = ["anthropic-version", "anthropic-beta"]
}
