import HTTPTypes
import Logging
import NIOCore
import SluiceConfig
import SluiceCore
import SluiceProviders
import SluiceTranslation

/// A request's life from the exchange its codec made to its answer: the profile's stages before
/// dispatch, routing (retries, fallbacks) to a deployment, the answer whole or as a
/// ``StreamSession``, the stages' filters over it, and exactly one ``ExchangeEnd``.
///
/// A request whose dialect its deployment speaks goes out as the client wrote it (only `model`
/// changed); otherwise it goes out in OpenAI's dialect and its codec translates the answer back.
struct InferencePipeline: Sendable {
    let profiles: PipelineProfiles
    let executor: RoutePlanExecutor
    let timeouts: Timeouts
    let observers: RequestObservers
    let slowRule: SlowAnswerRule
    /// The gateway's tracer; nil when tracing is off.
    let tracing: GatewayTracing?

    /// Runs the request. Every request that gets here ends in the ledger, refusals included.
    /// - Returns: the answer, the headers the stages added to it, and the public model that
    ///   answered (a fallback's name when one did).
    /// - Throws: the request's failure (a ``GatewayError`` for the client; `CancellationError`
    ///   when the client left); the request has ended by then.
    func run(_ exchange: Exchange) async throws -> (answer: Answer, headers: HTTPFields, model: String) {
        var exchange = exchange
        let profile = self.profiles.profile(for: exchange.caller)
        exchange.trace = RequestTrace.start(
            exchange.summary, headers: exchange.headers, requestID: exchange.requestID, caller: exchange.caller, tracing: self.tracing
        )
        let end = ExchangeEnd(exchange, observers: self.observers, stages: profile.ending)
        do {
            try await exchange.codec.prepare(&exchange)
            if let early = try await self.beforeDispatch(&exchange, profile: profile) {
                exchange.record.usage = early.usage
                end.update(exchange)
                switch early.answer {
                case .whole(let body, let dialect):
                    let answer = Answer.whole(try await exchange.codec.clientBody(body, in: dialect, model: exchange.answeringModel), exchange.dialect)
                    end.finish(exchange, firstToken: nil)
                    return (answer, exchange.responseHeaders, exchange.answeringModel)
                case .stream(let stream):
                    return (.stream(EndingAnswerStream(base: stream, exchange: exchange, end: end)), exchange.responseHeaders, exchange.answeringModel)
                }
            }
            end.update(exchange)
            guard let route = exchange.route, let input = exchange.routingInput() else { throw GatewayError.unknownModel(exchange.summary.model) }
            if exchange.summary.stream {
                let session = try await self.startStream(&exchange, route: route, input: input, profile: profile, end: end)
                return (.stream(session), exchange.responseHeaders, exchange.answeringModel)
            }
            let answer = try await ConnectionCloseSignal.cancellingTask(whenClosed: exchange.clientGone) {
                try await self.answerWhole(&exchange, route: route, input: input, profile: profile)
            }
            end.finish(exchange, firstToken: nil)
            return (answer, exchange.responseHeaders, exchange.answeringModel)
        } catch {
            end.finish(exchange, failure: error)
            throw error
        }
    }

    /// The profile's before-dispatch hooks, in order; an answer when one of them gave it.
    private func beforeDispatch(_ exchange: inout Exchange, profile: PipelineProfile) async throws -> (answer: Answer, usage: Usage?)? {
        guard !profile.beforeDispatch.isEmpty else { return nil }
        let trace = exchange.trace
        return try await trace.stage("admit") { () async throws(GatewayError) -> (answer: Answer, usage: Usage?)? in
            for stage in profile.beforeDispatch {
                if case .answer(let answer, let usage) = try await stage.beforeDispatch(&exchange) { return (answer, usage) }
            }
            return nil
        }
    }

    // MARK: - Whole answers

    private func answerWhole(_ exchange: inout Exchange, route: ModelRoute, input: RoutingInput, profile: PipelineProfile) async throws -> Answer {
        let upstreamStarted = NIODeadline.now()
        let dispatch = try await self.dispatch(&exchange, route: route, input: input, streamLimits: nil)
        exchange.record.measureUpstream(since: upstreamStarted)
        let lease = dispatch.lease
        guard case .complete(let upstreamBody) = dispatch.response.body else {
            lease.release(.failure)
            throw GatewayError.upstreamFailed("it streamed an answer that was not asked to be streamed")
        }
        let dialect = dispatch.response.dialect
        var body: ByteBuffer
        do {
            (body, exchange.record.usage) = try WholeAnswerRewriter.rewrite(upstreamBody, in: dialect, publicModel: dispatch.route.name)
        } catch {
            lease.release(.failure)
            throw error
        }
        let latency = Double((NIODeadline.now() - exchange.started).nanoseconds) / 1e9
        lease.release(self.outcome(
            of: lease, timeToFirstToken: nil, usage: exchange.record.usage, generationSeconds: latency, latency: latency, logger: exchange.logger
        ))
        if exchange.record.content != nil {
            exchange.record.content?.completion = RequestContent.completion(of: body, in: dialect)
        }
        for stage in profile.filtering {
            guard var filter = stage.answerFilter(for: exchange, dialect: dialect) else { continue }
            body = try filter.filter(whole: body)
        }
        return .whole(try await exchange.codec.clientBody(body, in: dialect, model: exchange.answeringModel), exchange.dialect)
    }

    // MARK: - Streams

    private func startStream(
        _ exchange: inout Exchange, route: ModelRoute, input: RoutingInput, profile: PipelineProfile, end: ExchangeEnd
    ) async throws -> StreamSession {
        let limits = self.streamLimits(firstTokenFrom: exchange.started, deadline: exchange.deadline)
        let upstreamStarted = NIODeadline.now()
        let dispatch = try await self.dispatch(&exchange, route: route, input: input, streamLimits: limits)
        guard case .stream(let chunks) = dispatch.response.body else {
            dispatch.lease.release(.failure)
            throw GatewayError.upstreamFailed("it answered a streaming request without a stream")
        }
        let dialect = dispatch.response.dialect
        let filters = profile.filtering.compactMap { $0.answerFilter(for: exchange, dialect: dialect) }
        end.update(exchange)
        return StreamSession(
            pipeline: self, exchange: exchange, end: end, dispatch: dispatch, chunks: chunks, input: input, limits: limits,
            upstreamStarted: upstreamStarted, filters: filters
        )
    }

    // MARK: - Routing

    /// Tries the model's deployments (retries, fallbacks) until one answers, and notes in the
    /// record who did; the record counts the attempts made whether one answered or not.
    /// - Parameter streamLimits: for a stream, the time limits its first token keeps.
    private func dispatch(
        _ exchange: inout Exchange, route: ModelRoute, input: RoutingInput, streamLimits: ProgressWatchdog.Limits?
    ) async throws -> RoutePlanExecutor.Dispatch {
        let current = exchange
        let openAIForm = Self.openAIFormIfNeeded(of: exchange, route: route)
        var attempts = 0
        do {
            let dispatch = try await current.trace.stage("route") {
                try await self.executor.dispatch(
                    route, input: input, logger: current.logger, answerBy: streamLimits.map { min($0.firstProgressBy, $0.deadline) } ?? current.deadline,
                    refusal: { Self.refusal(current, on: $0, openAIForm: openAIForm) }
                ) { deployment in
                    attempts += 1
                    let request = try Self.request(current, on: deployment, openAIForm: openAIForm)
                    return try await current.trace.attempt(on: deployment) {
                        guard let streamLimits else { return try await deployment.provider.send(request) }
                        return try await ProgressWatchdog.run(streamLimits, abandonedWhen: current.clientGone) { _ in
                            try await deployment.provider.send(request)
                        }
                    }
                }
            }
            exchange.record.served(by: dispatch)
            exchange.deployment = dispatch.lease.deployment
            return dispatch
        } catch {
            exchange.record.attempts = attempts
            throw error
        }
    }

    func streamLimits(firstTokenFrom start: NIODeadline, deadline: NIODeadline) -> ProgressWatchdog.Limits {
        ProgressWatchdog.Limits(
            firstProgressBy: start + TimeAmount(self.timeouts.firstToken), maximumGap: TimeAmount(self.timeouts.betweenTokens), deadline: deadline
        )
    }

    // MARK: - What goes upstream

    /// A request's translation to OpenAI's form, made once before dispatch, or the reason it
    /// cannot be made.
    typealias OpenAIForm = Result<(body: ByteBuffer, summary: InferenceRequest), GatewayError>

    /// The OpenAI form of a request in another dialect, when a deployment of its model or its
    /// fallbacks does not speak that dialect; nil when none needs it.
    static func openAIFormIfNeeded(of exchange: Exchange, route: ModelRoute) -> OpenAIForm? {
        guard exchange.dialect != .openAIChat else { return nil }
        let models = [route] + route.routing.fallbacks.compactMap(exchange.catalog.route)
        guard models.contains(where: { $0.deployments.contains { !$0.provider.speaksNatively(exchange.dialect) } }) else { return nil }
        return Result { () throws(GatewayError) in try exchange.codec.openAIForm(of: exchange) }
    }

    /// Why `deployment` cannot take the request at all: its dialect cannot carry it.
    static func refusal(_ exchange: Exchange, on deployment: Deployment, openAIForm: OpenAIForm?) -> GatewayError? {
        guard exchange.dialect != .openAIChat, !deployment.provider.speaksNatively(exchange.dialect), case .failure(let error) = openAIForm else {
            return nil
        }
        return error
    }

    /// The request as `deployment` gets it: in the client's dialect when the deployment speaks
    /// it, else in OpenAI's (`openAIForm` when made already); with the output limit its budget
    /// assumed, when the client named none and a budget applies.
    static func request(_ exchange: Exchange, on deployment: Deployment, openAIForm: OpenAIForm? = nil) throws(GatewayError) -> ProviderRequest {
        var request = ProviderRequest(
            body: exchange.body, summary: exchange.summary, requestID: exchange.requestID, deadline: exchange.deadline, logger: exchange.logger
        )
        if exchange.dialect != .openAIChat {
            if deployment.provider.speaksNatively(exchange.dialect) {
                request.dialect = exchange.dialect
                request.forwardedHeaders = exchange.codec.forwardedHeaders(of: exchange.headers)
            } else {
                (request.body, request.summary) = try (openAIForm ?? Result { () throws(GatewayError) in try exchange.codec.openAIForm(of: exchange) }).get()
            }
        }
        guard let bounds = exchange.outputBounds, request.summary.maxOutputTokens == nil, let limit = bounds.limitToSend(on: deployment.config),
            let (body, summary) = request.body.withUnsafeReadableBytes({ request.summary.limitingOutput(to: limit, in: $0) })
        else { return request }
        (request.body, request.summary) = (ByteBuffer(bytes: body), summary)
        return request
    }

    // MARK: - Deployment verdicts

    /// Success, or failure when the answer came too slowly for its deployment to count as healthy.
    /// - Parameter latency: what the deployment's latency estimate learns (time to first token for streams).
    func outcome(
        of lease: RoutingLease, timeToFirstToken: Double?, usage: Usage?, generationSeconds: Double, latency: Double?, logger: Logger
    ) -> RoutingLease.Outcome {
        let verdict = self.slowRule.verdict(timeToFirstToken: timeToFirstToken, completionTokens: usage?.completionTokens, generationSeconds: generationSeconds)
        guard let verdict else { return .success(latency: latency) }
        logger.warning("the answer was too slow; it counts against the deployment", metadata: [
            "deployment": .string(lease.deployment.label), "reason": .string(verdict),
        ])
        return .failure
    }
}
