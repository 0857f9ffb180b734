import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SluiceConfig
import SluiceCore
import SluiceStore
import SluiceTranslation
import Synchronization

/// OpenAI's Responses API (`POST /v1/responses`). Before the stages run, the conversation that
/// `previous_response_id` continues is brought into `input` from the ``ResponseLog``, so every
/// deployment, of any kind, gets the whole conversation and budgets reserve for all of it. A
/// deployment that speaks the Responses API gets the body as written; any other the chat
/// completions request ``ResponsesRequestTranslator`` makes, whose answers are written back as
/// Responses objects and events. A finished response is stored (unless `store` is false) before
/// the client sees its end, so the next turn finds it on any instance.
///
/// A codec serves one request, whose turn it keeps: the route makes a new one each time.
final class ResponsesCodec: DialectCodec {
    let log: ResponseLog
    /// Seals a translated backend's reasoning into the answer, and opens it when it comes back;
    /// each request uses it bound to its caller's owner.
    let seal: SealedReasoning?
    let settings: ResponsesSettings
    /// The turn and its caller, once ``prepare(_:)`` read them, and the chat form once made.
    private let state = Mutex<Prepared?>(nil)

    /// What the codec read of its request.
    private struct Prepared {
        let turn: ResponsesTurn
        let caller: Caller
        let logger: Logger
        /// The seal bound to the caller's owner.
        let seal: SealedReasoning?
        var chatForm: ResponsesChatForm?
    }

    init(log: ResponseLog, seal: SealedReasoning?, settings: ResponsesSettings) {
        self.log = log
        self.seal = seal
        self.settings = settings
    }

    var dialect: WireDialect { .openAIResponses }
    var endpoint: Endpoint { .responses }

    func summary(of body: ByteBuffer) throws(GatewayError) -> InferenceRequest {
        try InferenceRequest(endpoint: .responses, body: body)
    }

    /// Reads the turn and brings in the conversation it continues.
    /// - Throws: 400 `previous_response_not_found` when `previous_response_id` names no response
    ///   the caller's tenant may continue.
    func prepare(_ exchange: inout Exchange) async throws {
        var ids = ResponsesIDs()
        let turn = try ResponsesTurn(clientBody: exchange.body, responseID: ids.next(ResponsesIDs.responsePrefix), createdAt: Int(WallClock.seconds()))
        let prepared = Prepared(
            turn: turn, caller: exchange.caller, logger: exchange.logger, seal: self.seal?.bound(to: ResponseOwner(exchange.caller))
        )
        self.state.withLock { $0 = prepared }
        guard let previous = turn.previousResponseID else { return }
        let history = try await self.log.history(continuing: previous, owner: ResponseOwner(exchange.caller))
        try exchange.replaceBody(turn.continuing(history))
    }

    func openAIForm(of exchange: Exchange) throws(GatewayError) -> (body: ByteBuffer, summary: InferenceRequest) {
        let form: ResponsesChatForm
        let seal = try self.prepared().seal
        do throws(TranslationError) {
            form = try ResponsesRequestTranslator.translate(
                responses: exchange.body.readableBytesView, model: exchange.summary.model, seal: seal, refuseHostedTools: self.settings.refuseHostedTools
            )
        } catch {
            throw error.gatewayError
        }
        if !form.droppedTools.isEmpty {
            exchange.logger.debug("hosted tools left out of a request to a deployment that cannot run them", metadata: [
                "tools": .string(form.droppedTools.joined(separator: ",")),
            ])
        }
        if !form.ignoredMembers.isEmpty {
            exchange.logger.debug("members the chat form cannot carry were ignored", metadata: [
                "members": .string(form.ignoredMembers.joined(separator: ",")),
            ])
        }
        self.state.withLock { $0?.chatForm = form }
        let body = ByteBuffer(bytes: form.body)
        return (body, try InferenceRequest(endpoint: .chatCompletions, body: body))
    }

    func clientBody(_ body: ByteBuffer, in dialect: WireDialect, model: String) async throws -> ByteBuffer {
        let prepared = try self.prepared()
        let turn = prepared.turn
        var response = body
        if dialect == .openAIChat {
            do throws(TranslationError) {
                response = ByteBuffer(bytes: try ResponsesAnswerTranslator.translate(
                    openAIChat: body.readableBytesView, responseID: turn.responseID, createdAt: turn.createdAt, publicModel: model,
                    request: ResponsesRequestEcho(clientBody: turn.clientBody.readableBytesView), chatForm: prepared.chatForm, seal: prepared.seal
                ))
            } catch {
                throw error.gatewayError
            }
        }
        try await self.keep(response, turn: turn, model: model, caller: prepared.caller)
        return response
    }

    func response(_ answer: Answer, headers: HTTPFields, model: String, requestBody: ByteBuffer) throws(GatewayError) -> Response {
        switch answer {
        case .whole(let body, _):
            return Self.jsonResponse(body, headers: headers)
        case .stream(let stream):
            let source = try self.events(from: stream.dialect, model: model)
            return ResponsesEventSink.eventStream(stream, headers: headers) { ResponsesEventSink(writer: $0, source: source) }
        }
    }

    /// What the client's stream is made of, event by event: the upstream's Responses events as
    /// relayed, or the translation of its chat events.
    private func events(from dialect: WireDialect, model: String) throws(GatewayError) -> ResponsesEventSink.Source {
        let prepared = try self.prepared()
        let (turn, caller, logger) = (prepared.turn, prepared.caller, prepared.logger)
        let keep: ResponsesEventSink.Keep = { response in
            do {
                try await self.keep(response, turn: turn, model: model, caller: caller)
            } catch {
                // The answer has streamed already; it still reaches the client, which cannot continue it.
                logger.error("a streamed response could not be stored", metadata: ["response.id": .string(turn.responseID), "error": "\(error)"])
            }
        }
        guard dialect == .openAIChat else { return ResponsesEventSink.Source(translator: nil, keep: keep) }
        let translator = OpenAIStreamToResponses(
            responseID: turn.responseID, createdAt: turn.createdAt, publicModel: model,
            request: ResponsesRequestEcho(clientBody: turn.clientBody.readableBytesView), chatForm: prepared.chatForm, seal: prepared.seal
        )
        return ResponsesEventSink.Source(translator: translator, keep: keep)
    }

    /// Stores a finished response, unless the client asked not to.
    /// - Throws: the store's failure (a whole answer then fails: the client is not given a
    ///   response it could not continue).
    private func keep(_ response: ByteBuffer, turn: ResponsesTurn, model: String, caller: Caller) async throws {
        guard turn.store else { return }
        // A deployment that speaks the Responses API names its response; an id of another shape is not kept under.
        let id = response.withUnsafeReadableBytes { bytes in
            (try? JSONScanner.topLevelMembers(of: bytes))?.member("id").flatMap { JSONValueReader.string($0, in: bytes) }
        }.flatMap { ResponseID.isWellFormed($0) && $0.hasPrefix("resp") ? $0 : nil } ?? turn.responseID
        let created = UnixTime(turn.createdAt)
        try await self.log.save(StoredResponse(
            id: id, tenantID: caller.tenantID, keyID: caller.keyID, createdAt: created,
            expiresAt: ResponseLog.expiry(createdAt: created, ttl: self.settings.storeTTL), previousResponseID: turn.previousResponseID,
            model: model, inputItems: turn.inputItems, response: Array(response.readableBytesView)
        ))
    }

    /// What ``prepare(_:)`` read; the pipeline asks for no answer before it ran.
    private func prepared() throws(GatewayError) -> Prepared {
        guard let prepared = self.state.withLock({ $0 }) else { throw GatewayError.internalError }
        return prepared
    }
}
