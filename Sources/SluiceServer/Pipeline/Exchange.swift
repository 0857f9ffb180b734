import HTTPTypes
import Logging
import NIOCore
import SluiceCore

/// One inference request's life as the pipeline's stages see it: the body in the client's
/// dialect and what the gateway read from it, who is calling, the model's route, the record
/// that ends in the ledger, and the trace.
///
/// Stages edit the body only through ``replaceBody(_:)``, which reads it again, so the summary,
/// the route and the routing input always describe the body that is sent.
struct Exchange: Sendable {
    /// The client's dialect at the edge: the dialect of the body, and of the answer it expects.
    let codec: any DialectCodec
    var dialect: WireDialect { self.codec.dialect }
    private(set) var body: ByteBuffer
    /// What the gateway read from ``body`` (for Anthropic Messages bodies the members they share
    /// with OpenAI's chat: `model`, `stream`, `max_tokens`).
    private(set) var summary: InferenceRequest
    /// The model's routes; nil when the config names no such model.
    private(set) var route: ModelRoute?
    let catalog: ModelCatalog
    /// The client's request headers.
    let headers: HTTPFields
    let caller: Caller
    let requestID: String
    let logger: Logger
    let started: NIODeadline
    /// The latest instant by which the whole request must finish.
    let deadline: NIODeadline
    /// Completes when the client's connection closes.
    let clientGone: EventLoopFuture<Void>
    var record: RequestRecord
    var trace: RequestTrace
    /// Headers the answer carries besides its own (`x-ratelimit-*`).
    var responseHeaders: HTTPFields = [:]
    /// The request's hold on its budgets, taken by the budget stage.
    var reservation: BudgetReservation?
    /// The output limits a budget's worst case assumed; the relay holds streams to them.
    var outputBounds: OutputBounds?
    /// The deployment that answered, once one has.
    var deployment: Deployment?
    /// ``routingInput()`` once made, until the body changes.
    private var madeRoutingInput: RoutingInput?

    /// The public model whose answer the client gets: the one that served it (a fallback,
    /// say), else the one asked for.
    var answeringModel: String { self.record.servedModel ?? self.summary.model }

    /// Output tokens assumed for the load estimate when a request sets no limit.
    static let defaultOutputEstimate = 256

    init(
        codec: any DialectCodec, body: ByteBuffer, summary: InferenceRequest, catalog: ModelCatalog, headers: HTTPFields, caller: Caller,
        requestID: String, logger: Logger, started: NIODeadline, deadline: NIODeadline, clientGone: EventLoopFuture<Void>, record: RequestRecord
    ) {
        self.codec = codec
        self.body = body
        self.summary = summary
        self.catalog = catalog
        self.route = catalog.route(summary.model)
        self.headers = headers
        self.caller = caller
        self.requestID = requestID
        self.logger = logger
        self.started = started
        self.deadline = deadline
        self.clientGone = clientGone
        self.record = record
        self.record.modelIsConfigured = self.route != nil
        self.trace = .off
    }

    /// Replaces the body and reads it again: summary, route and the record's model follow it.
    /// - Throws: ``GatewayError`` when the new body is not a valid request.
    mutating func replaceBody(_ body: ByteBuffer) throws(GatewayError) {
        let endpoint = self.summary.endpoint
        let summary = try InferenceRequest(endpoint: endpoint, body: body)
        if summary.model != self.summary.model {
            self.route = self.catalog.route(summary.model)
            self.record.model = summary.model
            self.record.modelIsConfigured = self.route != nil
        }
        self.record.stream = summary.stream
        self.body = body
        self.summary = summary
        self.madeRoutingInput = nil
    }

    /// The load estimate, plus what the model's strategy keys on: for session affinity the
    /// first configured session header present or the body's `user`; for prefix-aware routing
    /// the session header when present, else a hash of the prompt's first bytes (the whole
    /// prompt when it is shorter, so short prompts do not collide).
    /// Made once per body: the token limit charges the estimate routing then uses.
    /// - Returns: nil when the model has no route.
    mutating func routingInput() -> RoutingInput? {
        if let made = self.madeRoutingInput { return made }
        guard let route = self.route else { return nil }
        let input = self.routingInput(on: route)
        self.madeRoutingInput = input
        return input
    }

    private func routingInput(on route: ModelRoute) -> RoutingInput {
        let summary = self.summary
        let output = summary.endpoint == .embeddings
            ? 0 : (summary.maxOutputTokens ?? Self.defaultOutputEstimate).multipliedWithSaturation(by: summary.generatedChoices)
        var input = RoutingInput(estimatedTokens: (summary.byteCount / 4).addingWithSaturation(output))
        switch route.routing.strategy {
        case .session:
            let user = summary.members.member("user").flatMap { member in self.body.withUnsafeReadableBytes { JSONValueReader.string(member, in: $0) } }
            input.sessionKey = self.session(on: route) ?? user
        case .prefix:
            // A conversation keeps its home while its prompt grows, and sessions of one agent,
            // whose prompts share their first bytes, still spread over the deployments.
            if let session = self.session(on: route) {
                input.prefixKey = RendezvousHash.key(session.utf8)
                break
            }
            let prompt = summary.members.member(summary.endpoint == .chatCompletions ? "messages" : "prompt")
            input.prefixKey = prompt.map { member in
                self.body.withUnsafeReadableBytes { bytes in
                    RendezvousHash.key(bytes[member.value.lowerBound..<min(member.value.upperBound, member.value.lowerBound + route.routing.prefixBytes)])
                }
            }
        default:
            break
        }
        return input
    }

    /// The value of the first of the model's session headers the request carries.
    private func session(on route: ModelRoute) -> String? {
        route.routing.sessionHeaders.lazy.compactMap { HTTPField.Name($0).flatMap { self.headers[$0] } }.first { !$0.isEmpty }
    }
}
