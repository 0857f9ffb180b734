import HTTPTypes
import Hummingbird
import NIOCore
import SluiceConfig
import SluiceCore

/// Serves the inference endpoints (`/v1/chat/completions`, `/v1/completions`, `/v1/embeddings`,
/// `/v1/messages`): the dialect's codec reads the body into an ``Exchange``, the
/// ``InferencePipeline`` runs it, and the codec writes the answer.
struct InferenceController: Sendable {
    let pipeline: InferencePipeline
    let catalog: ModelCatalog
    let timeouts: Timeouts
    let maxRequestBodyBytes: Int
    let observers: RequestObservers
    let limits: RequestLimits

    func handle(_ codec: some DialectCodec, request: Request, context: SluiceRequestContext) async throws -> Response {
        let started = NIODeadline.now()
        var request = request
        let body = try await self.collectBody(&request)
        let summary = try codec.summary(of: body)
        var record = RequestRecord(
            requestID: context.requestID, endpoint: codec.endpoint, model: summary.model, servedModel: nil, deployment: nil,
            stream: summary.stream, status: 200, attempts: 0, cost: 0, latency: .zero, keyID: context.caller.keyID, tenantID: context.caller.tenantID,
            ledgerID: context.ledgerID
        )
        record.clientAddress = context.remoteAddress?.ipAddress
        if self.observers.audit?.includesContent == true { record.content = RequestContent(request: summary, body: body) }
        let exchange = Exchange(
            codec: codec, body: body, summary: summary, catalog: self.catalog, headers: request.headers, caller: context.caller,
            requestID: context.requestID, logger: context.logger, started: started, deadline: started + TimeAmount(self.timeouts.request),
            clientGone: context.connectionClosed, record: record
        )
        let (answer, headers, model) = try await self.pipeline.run(exchange)
        return try codec.response(answer, headers: headers, model: model, requestBody: body)
    }

    func collectBody(_ request: inout Request) async throws -> ByteBuffer {
        try await request.collectBody(limit: self.maxRequestBodyBytes)
    }
}
