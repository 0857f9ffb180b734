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
    /// The exchange's state, shared between copies until one of them changes it. An exchange is
    /// over a kilobyte, and every async frame it passes through (the pipeline, the route, the
    /// stream) keeps its own copy for the whole request: boxed, a copy is one reference, and a
    /// thousand open streams hold megabytes less.
    private final class Storage: @unchecked Sendable {
        // Written only through `Exchange`'s mutating members after `isKnownUniquelyReferenced`,
        // so no two tasks ever write one storage.
        let codec: any DialectCodec
        var body: ByteBuffer
        var summary: InferenceRequest
        var route: ModelRoute?
        let catalog: ModelCatalog
        let headers: HTTPFields
        let caller: Caller
        let requestID: String
        let logger: Logger
        let started: NIODeadline
        let deadline: NIODeadline
        let clientGone: EventLoopFuture<Void>
        var record: RequestRecord
        var trace: RequestTrace = .off
        var responseHeaders: HTTPFields = [:]
        var reservation: BudgetReservation?
        var outputBounds: OutputBounds?
        var deployment: Deployment?
        /// ``Exchange/routingInput()`` once made, until the body changes.
        var madeRoutingInput: RoutingInput?

        init(
            codec: any DialectCodec, body: ByteBuffer, summary: InferenceRequest, route: ModelRoute?, catalog: ModelCatalog, headers: HTTPFields,
            caller: Caller, requestID: String, logger: Logger, started: NIODeadline, deadline: NIODeadline, clientGone: EventLoopFuture<Void>,
            record: RequestRecord
        ) {
            self.codec = codec
            self.body = body
            self.summary = summary
            self.route = route
            self.catalog = catalog
            self.headers = headers
            self.caller = caller
            self.requestID = requestID
            self.logger = logger
            self.started = started
            self.deadline = deadline
            self.clientGone = clientGone
            self.record = record
        }

        func copy() -> Storage {
            let copy = Storage(
                codec: self.codec, body: self.body, summary: self.summary, route: self.route, catalog: self.catalog, headers: self.headers,
                caller: self.caller, requestID: self.requestID, logger: self.logger, started: self.started, deadline: self.deadline,
                clientGone: self.clientGone, record: self.record
            )
            copy.trace = self.trace
            copy.responseHeaders = self.responseHeaders
            copy.reservation = self.reservation
            copy.outputBounds = self.outputBounds
            copy.deployment = self.deployment
            copy.madeRoutingInput = self.madeRoutingInput
            return copy
        }
    }

    private var storage: Storage

    /// The storage, copied first when another exchange shares it.
    private var writable: Storage {
        mutating get {
            if !isKnownUniquelyReferenced(&self.storage) { self.storage = self.storage.copy() }
            return self.storage
        }
    }

    // The members a stage may change yield the storage's own value (`_modify`), so that
    // `exchange.record.usage = …` changes it in place instead of copying the record out and back.

    /// The client's dialect at the edge: the dialect of the body, and of the answer it expects.
    var codec: any DialectCodec { self.storage.codec }
    var dialect: WireDialect { self.storage.codec.dialect }
    var body: ByteBuffer { self.storage.body }
    /// What the gateway read from ``body`` (for Anthropic Messages bodies the members they share
    /// with OpenAI's chat: `model`, `stream`, `max_tokens`).
    var summary: InferenceRequest { self.storage.summary }
    /// The model's routes; nil when the config names no such model.
    var route: ModelRoute? { self.storage.route }
    var catalog: ModelCatalog { self.storage.catalog }
    /// The client's request headers.
    var headers: HTTPFields { self.storage.headers }
    var caller: Caller { self.storage.caller }
    var requestID: String { self.storage.requestID }
    var logger: Logger { self.storage.logger }
    var started: NIODeadline { self.storage.started }
    /// The latest instant by which the whole request must finish.
    var deadline: NIODeadline { self.storage.deadline }
    /// Completes when the client's connection closes.
    var clientGone: EventLoopFuture<Void> { self.storage.clientGone }
    var record: RequestRecord {
        get { self.storage.record }
        _modify { yield &self.writable.record }
    }
    var trace: RequestTrace {
        get { self.storage.trace }
        _modify { yield &self.writable.trace }
    }
    /// Headers the answer carries besides its own (`x-ratelimit-*`).
    var responseHeaders: HTTPFields {
        get { self.storage.responseHeaders }
        _modify { yield &self.writable.responseHeaders }
    }
    /// The request's hold on its budgets, taken by the budget stage.
    var reservation: BudgetReservation? {
        get { self.storage.reservation }
        _modify { yield &self.writable.reservation }
    }
    /// The output limits a budget's worst case assumed; the relay holds streams to them.
    var outputBounds: OutputBounds? {
        get { self.storage.outputBounds }
        _modify { yield &self.writable.outputBounds }
    }
    /// The deployment that answered, once one has.
    var deployment: Deployment? {
        get { self.storage.deployment }
        _modify { yield &self.writable.deployment }
    }

    /// The public model whose answer the client gets: the one that served it (a fallback,
    /// say), else the one asked for.
    var answeringModel: String { self.record.servedModel ?? self.summary.model }

    /// Output tokens assumed for the load estimate when a request sets no limit.
    static let defaultOutputEstimate = 256

    init(
        codec: any DialectCodec, body: ByteBuffer, summary: InferenceRequest, catalog: ModelCatalog, headers: HTTPFields, caller: Caller,
        requestID: String, logger: Logger, started: NIODeadline, deadline: NIODeadline, clientGone: EventLoopFuture<Void>, record: RequestRecord
    ) {
        let route = catalog.route(summary.model)
        var record = record
        record.modelIsConfigured = route != nil
        self.storage = Storage(
            codec: codec, body: body, summary: summary, route: route, catalog: catalog, headers: headers, caller: caller,
            requestID: requestID, logger: logger, started: started, deadline: deadline, clientGone: clientGone, record: record
        )
    }

    /// Replaces the body and reads it again: summary, route and the record's model follow it.
    /// - Throws: ``GatewayError`` when the new body is not a valid request.
    mutating func replaceBody(_ body: ByteBuffer) throws(GatewayError) {
        let endpoint = self.summary.endpoint
        let summary = try InferenceRequest(endpoint: endpoint, body: body)
        let storage = self.writable
        if summary.model != storage.summary.model {
            storage.route = storage.catalog.route(summary.model)
            storage.record.model = summary.model
            storage.record.modelIsConfigured = storage.route != nil
        }
        storage.record.stream = summary.stream
        storage.body = body
        storage.summary = summary
        storage.madeRoutingInput = nil
    }

    /// The load estimate, plus what the model's strategy keys on: for session affinity the
    /// first configured session header present or the body's `user`; for prefix-aware routing
    /// the session header when present, else a hash of the prompt's first bytes (the whole
    /// prompt when it is shorter, so short prompts do not collide).
    /// Made once per body: the token limit charges the estimate routing then uses.
    /// - Returns: nil when the model has no route.
    mutating func routingInput() -> RoutingInput? {
        if let made = self.storage.madeRoutingInput { return made }
        guard let route = self.route else { return nil }
        let input = self.routingInput(on: route)
        self.writable.madeRoutingInput = input
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
