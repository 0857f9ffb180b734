import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SluiceConfig
import SluiceCore
import SluiceProviders

/// Serves `/v1/chat/completions`, `/v1/completions` and `/v1/embeddings`: reads just enough of the
/// body to route it, forwards it to a deployment, and relays the answer, whole or streamed.
struct InferenceController {
    let catalog: ModelCatalog
    let executor: RoutePlanExecutor
    let timeouts: Timeouts
    let maxRequestBodyBytes: Int
    let observers: RequestObservers
    let slowRule: SlowAnswerRule
    let limits: RequestLimits
    /// Budgets; nil without a governance store.
    let governance: Governance?
    /// The gateway's tracer; nil when tracing is off.
    let tracing: GatewayTracing?

    /// Output tokens assumed for the load estimate when a request sets no limit.
    static let defaultOutputEstimate = 256

    func handle(_ endpoint: Endpoint, request: Request, context: SluiceRequestContext) async throws -> Response {
        let started = NIODeadline.now()
        var request = request
        let body = try await self.collectBody(&request)
        return try await self.serve(endpoint, body: body, headers: request.headers, context: context, started: started)
    }

    /// Serves an OpenAI-shaped request body (the client's, or one translated from another API).
    /// Every request that gets this far ends in the ledger, refusals included.
    /// - Returns: a 200 answer; every failure is thrown as ``GatewayError``.
    func serve(_ endpoint: Endpoint, body: ByteBuffer, headers requestHeaders: HTTPFields, context: SluiceRequestContext, started: NIODeadline) async throws -> Response {
        let summary = try body.withUnsafeReadableBytes { bytes throws(GatewayError) in try InferenceRequest(endpoint: endpoint, bytes: bytes) }
        let route = self.catalog.route(summary.model)
        let caller = context.caller
        var record = RequestRecord(
            requestID: context.requestID, endpoint: endpoint, model: summary.model, servedModel: nil, deployment: nil,
            stream: summary.stream, status: 200, attempts: 0, cost: 0, latency: .zero, keyID: caller.keyID, tenantID: caller.tenantID,
            ledgerID: context.ledgerID
        )
        record.modelIsConfigured = route != nil
        record.clientAddress = context.remoteAddress?.ipAddress
        if self.observers.audit?.includesContent == true { record.content = RequestContent(request: summary, body: body) }
        var ledger = Ledger(observers: self.observers, logger: context.logger, started: started)
        ledger.trace = RequestTrace.start(summary, headers: requestHeaders, requestID: context.requestID, caller: caller, tracing: self.tracing)
        do {
            guard let route else { throw GatewayError.unknownModel(summary.model) }
            guard caller.mayUse(summary.model) else { throw GatewayError.modelNotAllowed(summary.model) }
            let input = self.routingInput(summary, route: route, headers: requestHeaders, body: body)
            var headers: HTTPFields = [:]
            try await ledger.trace.stage("admit") {
                if let requests = try await self.limits.admitRequest(of: caller) {
                    RateLimitHeaders.add(requests, kind: "requests", to: &headers)
                }
                if let tokens = try await self.limits.admitTokens(input.estimatedTokens, of: caller) {
                    RateLimitHeaders.add(tokens, kind: "tokens", to: &headers)
                }
                if let budgets = self.governance?.budgets {
                    let worst = self.worstCase(summary, route: route)
                    ledger.reservation = try await budgets.reserve(for: caller, model: summary.model, tokens: worst.tokens, microUSD: worst.microUSD)
                }
            }
            let call = ProviderRequest(
                body: body, summary: summary, requestID: context.requestID,
                deadline: started + TimeAmount(self.timeouts.request), logger: context.logger
            )
            let bounds = ledger.reservation == nil ? nil : self.outputBounds
            if summary.stream {
                return try await self.stream(
                    call, route: route, input: input, bounds: bounds, clientGone: context.connectionClosed, record: record, ledger: ledger, headers: headers
                )
            }
            let upstreamStarted = NIODeadline.now()
            let dispatch = try await ledger.trace.stage("route") {
                try await self.executor.dispatch(route, input: input, logger: context.logger) { deployment in
                    try await ledger.trace.attempt(on: deployment) { try await deployment.provider.send(Self.call(call, to: deployment, bounds: bounds)) }
                }
            }
            record.measureUpstream(since: upstreamStarted)
            record.served(by: dispatch)
            guard case .complete(let upstreamBody) = dispatch.response.body else {
                dispatch.lease.release(.failure)
                throw GatewayError.upstreamFailed("it streamed an answer that was not asked to be streamed")
            }
            let rewritten: ByteBuffer
            do {
                (rewritten, record.usage) = try OpenAIResponseRewriter.rewrite(upstreamBody, publicModel: dispatch.route.name)
            } catch {
                dispatch.lease.release(.failure)
                throw error
            }
            let latency = Double((NIODeadline.now() - started).nanoseconds) / 1e9
            dispatch.lease.release(self.outcome(
                of: dispatch.lease, timeToFirstToken: nil, usage: record.usage, generationSeconds: latency, latency: latency, logger: context.logger
            ))
            record.content?.completion = RequestContent.completion(ofAnswer: rewritten)
            ledger.finish(&record, ttft: nil)
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: rewritten))
        } catch {
            record.status = (error as? GatewayError)?.status ?? 499
            record.errorCode = (error as? GatewayError)?.code ?? "client_closed"
            ledger.finish(&record, ttft: nil)
            throw error
        }
    }

    /// The output limits a budget's worst case assumes, by deployment.
    private var outputBounds: OutputBounds {
        OutputBounds(defaultMaxOutputTokens: self.governance?.settings.defaultMaxOutputTokens ?? Self.defaultOutputEstimate)
    }

    /// The most a request can cost: every prompt byte a token (no tokenizer makes more), plus its
    /// output bound for every answer it asks for, at the dearest deployment of its model and fallbacks.
    private func worstCase(_ summary: InferenceRequest, route: ModelRoute) -> (tokens: Int64, microUSD: Int64) {
        let bounds = self.outputBounds
        var worst: (tokens: Int64, microUSD: Double) = (0, 0)
        for model in [route] + route.routing.fallbacks.compactMap(self.catalog.route) {
            for deployment in model.deployments {
                let output = Int64(bounds.worstOutputTokens(of: summary, on: deployment.config))
                let input = Int64(summary.byteCount)
                let price = deployment.config.price
                // A price per million tokens is a price in micro-dollars per token.
                let microUSD = Double(input) * price.inputPerMillion + Double(output) * price.outputPerMillion
                worst = (max(worst.tokens, input.addingWithSaturation(output)), max(worst.microUSD, microUSD))
            }
        }
        return (worst.tokens, Int64(saturating: worst.microUSD.rounded(.up)))
    }

    /// The request as `deployment` gets it: with the output limit its budget assumed, when the
    /// client named none and a budget applies.
    private static func call(_ call: ProviderRequest, to deployment: Deployment, bounds: OutputBounds?) -> ProviderRequest {
        guard let bounds, call.summary.maxOutputTokens == nil, let limit = bounds.limitToSend(on: deployment.config),
            let (body, summary) = call.body.withUnsafeReadableBytes({ call.summary.limitingOutput(to: limit, in: $0) })
        else { return call }
        var bounded = call
        (bounded.body, bounded.summary) = (ByteBuffer(bytes: body), summary)
        return bounded
    }

    func collectBody(_ request: inout Request) async throws -> ByteBuffer {
        try await request.collectBody(limit: self.maxRequestBodyBytes)
    }

    /// The load estimate, plus what the model's strategy keys on: for session affinity the
    /// configured header or the body's `user`; for prefix-aware routing a hash of the prompt's
    /// first bytes (the whole prompt when it is shorter, so short prompts do not collide).
    private func routingInput(_ summary: InferenceRequest, route: ModelRoute, headers: HTTPFields, body: ByteBuffer) -> RoutingInput {
        let output = summary.endpoint == .embeddings ? 0 : (summary.maxOutputTokens ?? Self.defaultOutputEstimate).multipliedWithSaturation(by: summary.generatedChoices)
        var input = RoutingInput(estimatedTokens: (summary.byteCount / 4).addingWithSaturation(output))
        switch route.routing.strategy {
        case .session:
            let header = HTTPField.Name(route.routing.sessionHeader).flatMap { headers[$0] }
            let user = summary.members.member("user").flatMap { member in body.withUnsafeReadableBytes { JSONValueReader.string(member, in: $0) } }
            input.sessionKey = header ?? user
        case .prefix:
            let prompt = summary.members.member(summary.endpoint == .chatCompletions ? "messages" : "prompt")
            input.prefixKey = prompt.map { member in
                body.withUnsafeReadableBytes { bytes in
                    RendezvousHash.key(bytes[member.value.lowerBound..<min(member.value.upperBound, member.value.lowerBound + route.routing.prefixBytes)])
                }
            }
        default:
            break
        }
        return input
    }

    // MARK: - Streaming

    private func stream(
        _ call: ProviderRequest, route: ModelRoute, input: RoutingInput, bounds: OutputBounds?, clientGone: EventLoopFuture<Void>, record: RequestRecord,
        ledger: Ledger, headers: HTTPFields
    ) async throws -> Response {
        let started = ledger.started
        let limits = self.streamLimits(firstTokenFrom: started, deadline: call.deadline)
        let upstreamStarted = NIODeadline.now()
        let dispatch = try await ledger.trace.stage("route") {
            try await self.executor.dispatch(route, input: input, logger: call.logger) { deployment in
                try await ledger.trace.attempt(on: deployment) {
                    try await ProgressWatchdog.run(limits, abandonedWhen: clientGone) { _ in
                        try await deployment.provider.send(Self.call(call, to: deployment, bounds: bounds))
                    }
                }
            }
        }
        var record = record
        record.served(by: dispatch)
        let chunks = try Self.chunks(of: dispatch)
        let logger = call.logger
        var headers = headers
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: ResponseBody { [record] writer in
            var record = record
            ledger.trace.relayStarted()
            var relay = OpenAIStreamRelay(
                publicModel: dispatch.route.name, forwardUsageChunk: call.summary.clientWantsStreamUsage,
                keepsResumePoint: dispatch.route.routing.streamResume || record.content != nil,
                outputTokenCap: bounds?.worstOutputTokens(of: call.summary, on: dispatch.lease.deployment.config)
            )
            var (lease, chunks, segmentLimits) = (dispatch.lease, chunks, limits)
            var continuationsLeft = dispatch.route.routing.streamResume ? dispatch.route.routing.retries : 0
            var firstToken: NIODeadline?
            // The current deployment's part of the stream: when it was asked, when its first token came.
            var (segmentStart, segmentFirstToken): (NIODeadline, NIODeadline?) = (started, nil)
            var failure: GatewayError?
            while true {
                failure = nil
                do {
                    try await ProgressWatchdog.run(segmentLimits, abandonedWhen: clientGone) { progress in
                        for try await chunk in chunks {
                            progress.advance()
                            if segmentFirstToken == nil {
                                ledger.trace.firstChunk()
                                segmentFirstToken = .now()
                                if firstToken == nil { firstToken = segmentFirstToken }
                            }
                            let forward = try relay.relay(chunk)
                            if forward.readableBytes > 0 { try await writer.write(forward) }
                        }
                    }
                    if let message = relay.upstreamError {
                        failure = .upstreamFailed("it sent an error event: \(message)")
                    } else if !relay.isComplete {
                        failure = .upstreamStreamCut("the upstream closed the stream before [DONE]")
                    }
                } catch let error as GatewayError {
                    failure = error
                } catch {
                    lease.release(.abandoned)
                    record.status = 499
                    record.errorCode = "client_closed"
                    record.usage = relay.usage
                    record.content?.completion = relay.resumePoint.map { RequestContent.quoted(escaped: $0.text) }
                    record.measureUpstream(since: upstreamStarted)
                    ledger.finish(&record, ttft: firstToken)
                    return
                }
                if let failure { self.observers.metrics.upstreamFailed(deployment: lease.deployment.label, error: failure) }
                guard let failure, failure.code != GatewayError.outputCapCode, continuationsLeft > 0, let point = relay.resumePoint, point.canContinue,
                    NIODeadline.now() < call.deadline
                else { break }
                lease.release(.failure)
                continuationsLeft -= 1
                logger.warning("stream broke; continuing it on another deployment", metadata: [
                    "deployment": .string(lease.deployment.label), "error": .string(failure.message),
                ])
                guard let next = await self.continuation(
                    of: call, from: point, after: dispatch.route, lease.deployment, input: input, clientGone: clientGone, trace: ledger.trace
                )
                else { break }
                let attemptsBefore = record.attempts
                record.served(by: next)
                record.attempts += attemptsBefore
                (lease, chunks, segmentLimits) = (next.lease, try Self.chunks(of: next), self.streamLimits(firstTokenFrom: .now(), deadline: call.deadline))
                (segmentStart, segmentFirstToken) = (.now(), nil)
                relay.startContinuation()
            }
            if let failure {
                // A stream cut at its budget's bound says nothing against the deployment.
                lease.release(failure.code == GatewayError.outputCapCode ? .success(latency: nil) : .failure)
                record.status = failure.status
                record.errorCode = failure.code
                logger.warning("stream failed", metadata: ["error": "\(failure.message)"])
                try? await writer.write(ByteBuffer(string: failure.streamEvent))
            } else if relay.isLooping {
                // The answer reached the client as it was, but the deployment that produced a
                // loop counts as failing.
                lease.release(.failure)
                logger.warning("the upstream's answer got stuck repeating itself", metadata: ["deployment": .string(lease.deployment.label)])
            } else {
                let ttft = segmentFirstToken.map { Double(($0 - segmentStart).nanoseconds) / 1e9 }
                let generation = segmentFirstToken.map { Double((NIODeadline.now() - $0).nanoseconds) / 1e9 } ?? 0
                lease.release(self.outcome(
                    of: lease, timeToFirstToken: ttft, usage: relay.usage, generationSeconds: generation, latency: ttft, logger: logger
                ))
            }
            record.usage = relay.usage ?? relay.outputCap.map { _ in
                // A budgeted stream that ended without its usage chunk (cut at its bound, or from an upstream
                // that sends none) is charged the prompt as estimated for routing and the output the relay saw.
                Usage(promptTokens: call.summary.byteCount / 4, completionTokens: relay.outputEvents)
            }
            record.content?.completion = relay.resumePoint.map { RequestContent.quoted(escaped: $0.text) }
            record.measureUpstream(since: upstreamStarted)
            ledger.finish(&record, ttft: firstToken)
            try await writer.finish(nil)
        })
    }

    /// Success, or failure when the answer came too slowly for its deployment to count as healthy.
    /// - Parameter latency: what the deployment's latency estimate learns (time to first token for streams).
    private func outcome(
        of lease: RoutingLease, timeToFirstToken: Double?, usage: Usage?, generationSeconds: Double, latency: Double?, logger: Logger
    ) -> RoutingLease.Outcome {
        let verdict = self.slowRule.verdict(timeToFirstToken: timeToFirstToken, completionTokens: usage?.completionTokens, generationSeconds: generationSeconds)
        guard let verdict else { return .success(latency: latency) }
        logger.warning("the answer was too slow; it counts against the deployment", metadata: [
            "deployment": .string(lease.deployment.label), "reason": .string(verdict),
        ])
        return .failure
    }

    private func streamLimits(firstTokenFrom start: NIODeadline, deadline: NIODeadline) -> ProgressWatchdog.Limits {
        ProgressWatchdog.Limits(
            firstProgressBy: start + TimeAmount(self.timeouts.firstToken), maximumGap: TimeAmount(self.timeouts.betweenTokens), deadline: deadline
        )
    }

    /// The upstream's stream; a plain answer to a streaming request fails the deployment.
    private static func chunks(of dispatch: RoutePlanExecutor.Dispatch) throws -> any AsyncSequence<ByteBuffer, any Error> & Sendable {
        guard case .stream(let chunks) = dispatch.response.body else {
            dispatch.lease.release(.failure)
            throw GatewayError.upstreamFailed("it answered a streaming request without a stream")
        }
        return chunks
    }

    /// Asks another deployment of the model to continue the answer from `point`. Nil when the
    /// request cannot be continued or no deployment could.
    private func continuation(
        of call: ProviderRequest, from point: StreamResumePoint, after route: ModelRoute, _ failed: Deployment, input: RoutingInput,
        clientGone: EventLoopFuture<Void>, trace: RequestTrace
    ) async -> RoutePlanExecutor.Dispatch? {
        let bytes = call.body.withUnsafeReadableBytes {
            ContinuationRequest.body(of: call.summary, bytes: $0, partialText: point.text, producedTokens: point.producedTokens)
        }
        guard let bytes, let summary = try? bytes.withUnsafeBytes({ try InferenceRequest(endpoint: call.summary.endpoint, bytes: $0) }) else {
            return nil
        }
        var continued = call
        continued.body = ByteBuffer(bytes: bytes)
        continued.summary = summary
        let limits = self.streamLimits(firstTokenFrom: .now(), deadline: call.deadline)
        do {
            let next = try await trace.stage("route") {
                try await self.executor.dispatch(route, input: input, logger: call.logger, continuing: failed) { deployment in
                    try await trace.attempt(on: deployment) {
                        try await ProgressWatchdog.run(limits, abandonedWhen: clientGone) { _ in try await deployment.provider.send(continued) }
                    }
                }
            }
            guard case .stream = next.response.body else {
                next.lease.release(.failure)
                return nil
            }
            return next
        } catch {
            call.logger.warning("could not continue the stream", metadata: ["error": "\(error)"])
            return nil
        }
    }
}
