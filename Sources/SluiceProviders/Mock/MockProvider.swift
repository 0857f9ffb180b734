import NIOCore
import SluiceConfig
import SluiceCore

/// The built-in model: deterministic text with real-looking usage, a configurable pace, and
/// injected faults (an error status, a stall, a cut stream) for demos, tests and load tests.
/// It refuses the messages OpenAI's API refuses, in OpenAI's words.
public struct MockProvider: Provider {
    let settings: MockSettings
    let publicModel: String

    static let embeddingDimensions = 16

    public init(settings: MockSettings, publicModel: String) {
        self.settings = settings
        self.publicModel = publicModel
    }

    public func send(_ request: ProviderRequest) async throws -> ProviderResponse {
        if let refusal = request.body.withUnsafeReadableBytes({ MockRequestValidation.refusal(of: request.summary, body: $0) }) {
            throw refusal
        }
        let fault = self.settings.fault.flatMap { Double.random(in: 0..<1) < $0.rate ? $0.kind : nil }
        if case .status(let status) = fault {
            let body = ByteBuffer(string: GatewayError(status: status, type: "mock_error", code: "injected", message: "Injected fault: HTTP \(status).").jsonBody)
            throw UpstreamFailure.error(status: status, body: body, retryAfter: status == 429 ? "1" : nil)
        }
        if request.summary.endpoint == .embeddings {
            return ProviderResponse(body: .complete(request.body.withUnsafeReadableBytes { self.embeddings(request.summary, body: $0) }))
        }
        let answer = request.body.withUnsafeReadableBytes {
            MockAnswer(request: request.summary, body: $0, model: self.publicModel, naturalLength: self.settings.completionTokens)
        }
        if request.summary.stream {
            return ProviderResponse(body: .stream(MockStream(answer: answer, settings: self.settings, fault: fault)))
        }
        switch fault {
        case .stall:
            try await Task.sleep(until: .now + .nanoseconds(max(0, request.deadline.uptimeNanoseconds - NIODeadline.now().uptimeNanoseconds)))
            throw GatewayError.timeout(.request)
        case .cut:
            throw GatewayError.upstreamFailed("it closed the connection")
        default:
            break
        }
        let total = self.settings.timeToFirstToken
            + (self.settings.tokensPerSecond > 0 ? .seconds(Double(answer.tokens.count) / self.settings.tokensPerSecond) : .zero)
        if total > .zero { try await Task.sleep(for: total) }
        return ProviderResponse(body: .complete(ByteBuffer(string: answer.completeJSON)))
    }

    /// Healthy unless configured to fail every request with an error status.
    public func probe(deadline: NIODeadline) async throws {
        if let fault = self.settings.fault, case .status(let status) = fault.kind, fault.rate >= 1 {
            throw GatewayError.upstreamFailed("it answered HTTP \(status)")
        }
    }

    private func embeddings(_ request: InferenceRequest, body: UnsafeRawBufferPointer) -> ByteBuffer {
        guard let input = request.members.member("input") else { return ByteBuffer() }
        let items = input.kind == .array ? JSONScanner.elements(of: body, arrayAt: input.value) : [input.value]
        var data: [String] = []
        var promptTokens = 0
        for (index, item) in items.enumerated() {
            let bytes = UnsafeRawBufferPointer(rebasing: body[item])
            promptTokens += max(1, bytes.count / 4)
            let vector = MockText.embedding(seed: MockText.seed(of: bytes), dimensions: Self.embeddingDimensions)
            data.append(#"{"object":"embedding","index":\#(index),"embedding":[\#(vector.map { String($0) }.joined(separator: ","))]}"#)
        }
        return ByteBuffer(
            string: #"{"object":"list","data":[\#(data.joined(separator: ","))],"model":\#(JSONString.quoted(self.publicModel)),"#
                + #""usage":{"prompt_tokens":\#(promptTokens),"total_tokens":\#(promptTokens)}}"#
        )
    }
}
