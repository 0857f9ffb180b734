import Logging
import NIOCore
import SluiceCore
import SluiceTranslation

/// A streamed answer on its way to the client: relays the upstream's events as they arrive
/// (through the profile's filters), holds the stream to its time limits and its budget's output
/// bound, continues a broken stream on another deployment where the model allows, and ends the
/// request once, with what was produced, whatever the exit.
struct StreamSession: AnswerStream {
    let pipeline: InferencePipeline
    let exchange: Exchange
    let end: ExchangeEnd
    let dispatch: RoutePlanExecutor.Dispatch
    let chunks: any AsyncSequence<ByteBuffer, any Error> & Sendable
    let input: RoutingInput
    let limits: ProgressWatchdog.Limits
    let upstreamStarted: NIODeadline
    let filters: [any AnswerFilter]

    var dialect: WireDialect { self.dispatch.response.dialect }

    /// What changes as the stream goes: the deployment serving it, its part of the stream, and
    /// what the client got so far.
    private struct Progress {
        var lease: RoutingLease
        var chunks: any AsyncSequence<ByteBuffer, any Error> & Sendable
        var limits: ProgressWatchdog.Limits
        var relay: any StreamRelay
        var filters: [any AnswerFilter]
        var record: RequestRecord
        var continuationsLeft: Int
        var firstToken: NIODeadline?
        /// When the current deployment was asked, and when its first token came.
        var segmentStart: NIODeadline
        var segmentFirstToken: NIODeadline?
    }

    func run(into sink: inout any AnswerSink) async throws {
        var exchange = self.exchange
        var progress = Progress(
            lease: self.dispatch.lease, chunks: self.chunks, limits: self.limits, relay: self.makeRelay(), filters: self.filters,
            record: exchange.record, continuationsLeft: self.dispatch.route.routing.streamResume ? self.dispatch.route.routing.retries : 0,
            firstToken: nil, segmentStart: exchange.started, segmentFirstToken: nil
        )
        exchange.trace.relayStarted()
        var failure: GatewayError?
        while true {
            failure = nil
            do {
                try await self.relaySegment(&progress, into: &sink)
                if let upstreamFailure = progress.relay.upstreamFailure {
                    failure = upstreamFailure
                } else if !progress.relay.isComplete {
                    failure = .upstreamStreamCut("the upstream closed the stream before [DONE]")
                }
            } catch let error as GatewayError {
                failure = error
            } catch {
                progress.lease.release(.abandoned)
                exchange.record = self.closing(progress, status: GatewayError.clientClosed)
                self.end.finish(exchange, firstToken: progress.firstToken)
                return
            }
            guard let broken = failure else { break }
            self.pipeline.observers.metrics.upstreamFailed(deployment: progress.lease.deployment.label, error: broken)
            guard await self.continueElsewhere(&progress, after: broken) else { break }
        }
        if let failure {
            // A stream cut at its budget's bound says nothing against the deployment.
            progress.lease.release(failure.code == GatewayError.outputCapCode ? .success(latency: nil) : .failure)
            exchange.logger.warning("stream failed", metadata: ["error": "\(failure.message)"])
            try? await self.flushFilters(&progress, into: &sink)
            try? await sink.write(progress.relay.errorEvent(failure))
            exchange.record = self.closing(progress, status: failure)
        } else {
            if progress.relay.isLooping {
                // The answer reached the client as it was, but the deployment that produced a
                // loop counts as failing.
                progress.lease.release(.failure)
                exchange.logger.warning("the upstream's answer got stuck repeating itself", metadata: ["deployment": .string(progress.lease.deployment.label)])
            } else {
                let ttft = progress.segmentFirstToken.map { Double(($0 - progress.segmentStart).nanoseconds) / 1e9 }
                let generation = progress.segmentFirstToken.map { Double((NIODeadline.now() - $0).nanoseconds) / 1e9 } ?? 0
                progress.lease.release(self.pipeline.outcome(
                    of: progress.lease, timeToFirstToken: ttft, usage: progress.relay.usage, generationSeconds: generation, latency: ttft,
                    logger: exchange.logger
                ))
            }
            try? await self.flushFilters(&progress, into: &sink)
            exchange.record = self.closing(progress, status: nil)
        }
        self.end.finish(exchange, firstToken: progress.firstToken)
    }

    /// Relays the current deployment's stream until it ends, fails or stalls.
    private func relaySegment(_ progress: inout Progress, into sink: inout any AnswerSink) async throws {
        let chunks = progress.chunks
        try await ProgressWatchdog.run(progress.limits, abandonedWhen: self.exchange.clientGone) { watch in
            for try await chunk in chunks {
                watch.advance()
                if progress.segmentFirstToken == nil {
                    self.exchange.trace.firstChunk()
                    progress.segmentFirstToken = .now()
                    if progress.firstToken == nil { progress.firstToken = progress.segmentFirstToken }
                }
                var events = try progress.relay.relay(chunk)
                if !progress.filters.isEmpty { events = try Self.filter(events, through: &progress.filters) }
                if events.readableBytes > 0 { try await sink.write(events) }
            }
        }
    }

    /// The record as the stream leaves it: `status` is the failure the client saw, if any.
    private func closing(_ progress: Progress, status failure: GatewayError?) -> RequestRecord {
        var record = progress.record
        if let failure {
            record.status = failure.status
            record.errorCode = failure.code
        }
        record.usage = progress.relay.usage ?? self.exchange.outputBounds.map { _ in
            // A budgeted stream that ended without its usage (cut at its bound, or from an upstream
            // that sends none) is charged the prompt as estimated for routing and the output the relay saw.
            Usage(promptTokens: self.exchange.summary.byteCount / 4, completionTokens: progress.relay.outputEvents)
        }
        record.content?.completion = progress.relay.completion
        record.measureUpstream(since: self.upstreamStarted)
        return record
    }

    // MARK: - Continuing a broken stream

    /// Moves the stream to another deployment of the model, from where it broke; false when the
    /// stream cannot continue (no resume, budget's bound reached, past the deadline, nobody able).
    private func continueElsewhere(_ progress: inout Progress, after failure: GatewayError) async -> Bool {
        guard failure.code != GatewayError.outputCapCode, progress.continuationsLeft > 0, let point = progress.relay.resumePoint, point.canContinue,
            NIODeadline.now() < self.exchange.deadline
        else { return false }
        progress.lease.release(.failure)
        progress.continuationsLeft -= 1
        self.exchange.logger.warning("stream broke; continuing it on another deployment", metadata: [
            "deployment": .string(progress.lease.deployment.label), "error": .string(failure.message),
        ])
        guard let next = await self.continuation(from: point, after: progress.lease.deployment) else { return false }
        guard case .stream(let chunks) = next.response.body else {
            next.lease.release(.failure)
            return false
        }
        let attemptsBefore = progress.record.attempts
        progress.record.served(by: next)
        progress.record.attempts += attemptsBefore
        progress.lease = next.lease
        progress.chunks = chunks
        progress.limits = self.pipeline.streamLimits(firstTokenFrom: .now(), deadline: self.exchange.deadline)
        (progress.segmentStart, progress.segmentFirstToken) = (.now(), nil)
        progress.relay.startContinuation()
        return true
    }

    /// Asks another deployment of the model to continue the answer from `point`. Nil when the
    /// request cannot be continued or no deployment could.
    private func continuation(from point: StreamResumePoint, after failed: Deployment) async -> RoutePlanExecutor.Dispatch? {
        let exchange = self.exchange
        guard let sent = try? InferencePipeline.request(exchange, on: failed) else { return nil }
        let bytes = sent.body.withUnsafeReadableBytes {
            ContinuationRequest.body(of: sent.summary, bytes: $0, partialText: point.text, producedTokens: point.producedTokens)
        }
        guard let bytes, let summary = try? bytes.withUnsafeBytes({ try InferenceRequest(endpoint: sent.summary.endpoint, bytes: $0) }) else {
            return nil
        }
        var continued = sent
        continued.body = ByteBuffer(bytes: bytes)
        continued.summary = summary
        let limits = self.pipeline.streamLimits(firstTokenFrom: .now(), deadline: exchange.deadline)
        do {
            return try await exchange.trace.stage("route") {
                try await self.pipeline.executor.dispatch(self.dispatch.route, input: self.input, logger: exchange.logger, continuing: failed) { deployment in
                    try await exchange.trace.attempt(on: deployment) {
                        try await ProgressWatchdog.run(limits, abandonedWhen: exchange.clientGone) { _ in try await deployment.provider.send(continued) }
                    }
                }
            }
        } catch {
            exchange.logger.warning("could not continue the stream", metadata: ["error": "\(error)"])
            return nil
        }
    }

    // MARK: - Relay, filters, errors

    private func makeRelay() -> any StreamRelay {
        let outputCap = self.exchange.outputBounds?.worstOutputTokens(of: self.exchange.summary, on: self.dispatch.lease.deployment.config)
        switch self.dialect {
        case .openAIChat:
            // A client of another dialect gets its usage from the translation of the usage chunk.
            let forwardsUsage = self.exchange.summary.clientWantsStreamUsage || self.exchange.dialect != .openAIChat
            return OpenAIStreamRelay(
                publicModel: self.dispatch.route.name, forwardUsageChunk: forwardsUsage,
                keepsResumePoint: self.dispatch.route.routing.streamResume || self.exchange.record.content != nil, outputTokenCap: outputCap
            )
        case .anthropicMessages:
            return AnthropicStreamRelay(publicModel: self.dispatch.route.name, outputTokenCap: outputCap, keepsText: self.exchange.record.content != nil)
        case .openAIResponses:
            return ResponsesStreamRelay(publicModel: self.dispatch.route.name, outputTokenCap: outputCap, keepsText: self.exchange.record.content != nil)
        }
    }

    /// Passes complete events through each filter in turn, one event at a time.
    private static func filter(_ events: ByteBuffer, through filters: inout [any AnswerFilter]) throws(GatewayError) -> ByteBuffer {
        var current = events
        for index in filters.indices {
            var next = ByteBufferAllocator().buffer(capacity: current.readableBytes)
            var start = 0
            while let (_, after) = current.withUnsafeReadableBytes({ SSEFraming.nextEventEnd(in: $0, from: start) }) {
                var filtered = try filters[index].filter(event: current.getSlice(at: current.readerIndex + start, length: after - start)!)
                next.writeBuffer(&filtered)
                start = after
            }
            current = next
        }
        return current
    }

    /// What the filters held back, sent before the stream ends.
    private func flushFilters(_ progress: inout Progress, into sink: inout any AnswerSink) async throws {
        for index in progress.filters.indices {
            var held = progress.filters[index].endOfStream()
            // What one filter releases passes through the filters after it.
            for later in progress.filters.indices where later > index && held.readableBytes > 0 {
                held = try progress.filters[later].filter(event: held)
            }
            if held.readableBytes > 0 { try await sink.write(held) }
        }
    }

}
