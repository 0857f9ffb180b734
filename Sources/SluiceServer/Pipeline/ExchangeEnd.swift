import Logging
import NIOCore
import SluiceConfig
import SluiceCore
import SluiceStore
import Synchronization

/// The one end of a request's life. Made when the request starts (it counts as in flight from
/// then), it ends the request exactly once, whatever the exit: an answer, a refusal, an upstream
/// failure, a stream cut, or a client that left. A request that nothing ended (its response was
/// dropped unsent, say, because the client left before the head) ends when the last reference
/// goes, as a client that left.
///
/// Ending seals the record (latency, cost, trace id), runs the stages' after-end hooks (budget
/// settlement among them), then writes the ledger row, the audit line, the access log line, the
/// metrics and live figures, and ends the trace.
final class ExchangeEnd: Sendable {
    private let observers: RequestObservers
    private let stages: [any PipelineStage]
    /// The exchange as last seen; nil once ended.
    private let latest: Mutex<Exchange?>

    /// - Parameter stages: the stages whose after-end hooks run, in order.
    init(_ exchange: Exchange, observers: RequestObservers, stages: [any PipelineStage]) {
        self.observers = observers
        self.stages = stages
        self.latest = Mutex(exchange)
        observers.metrics.requestStarted()
    }

    /// Keeps the exchange's latest state (its reservation, its record so far): what is ended
    /// should nothing end it explicitly.
    func update(_ exchange: Exchange) {
        self.latest.withLock { latest in
            if latest != nil { latest = exchange }
        }
    }

    /// Ends the request with `exchange`'s record; later calls do nothing.
    /// - Parameter firstToken: when the answer's first token reached the gateway.
    func finish(_ exchange: Exchange, firstToken: NIODeadline?) {
        guard self.latest.withLock({ $0.take() }) != nil else { return }
        self.close(exchange, firstToken: firstToken)
    }

    /// Ends the request with `error`'s status: a client that left (`CancellationError`) as 499,
    /// a ``GatewayError`` as its own status, anything else as the 500 the client is answered.
    func finish(_ exchange: Exchange, failure error: any Error, firstToken: NIODeadline? = nil) {
        var exchange = exchange
        let failure = Self.gatewayError(for: error)
        exchange.record.status = failure.status
        exchange.record.errorCode = failure.code
        self.finish(exchange, firstToken: firstToken)
    }

    /// The error a request's failure is recorded (and answered) as.
    static func gatewayError(for error: any Error) -> GatewayError {
        switch error {
        case let error as GatewayError: error
        case is CancellationError: .clientClosed
        default: .internalError
        }
    }

    deinit {
        guard var exchange = self.latest.withLock({ $0.take() }) else { return }
        exchange.record.status = GatewayError.clientClosed.status
        exchange.record.errorCode = GatewayError.clientClosed.code
        self.close(exchange, firstToken: nil)
    }

    private func close(_ exchange: Exchange, firstToken: NIODeadline?) {
        var exchange = exchange
        let now = NIODeadline.now()
        exchange.record.traceID = exchange.trace.traceID
        exchange.record.latency = .nanoseconds((now - exchange.started).nanoseconds)
        exchange.record.timeToFirstToken = firstToken.map { .nanoseconds(($0 - exchange.started).nanoseconds) }
        if let usage = exchange.record.usage, let price = exchange.record.price { exchange.record.cost = price.cost(of: usage) }
        for stage in self.stages { stage.afterEnd(exchange) }
        let record = exchange.record
        // One wall-clock reading for the ledger row, the audit line and the live figures.
        let finished = WallClock.micros()
        self.observers.usageLedger?.append(UsageRow(record, finishedAtMillis: finished / 1000))
        self.observers.audit?.append(record, finishedAtMicros: finished)
        Self.log(record, to: exchange.logger)
        exchange.trace.finish(record)
        self.observers.liveStats.record(record, atSecond: finished / 1_000_000)
        self.observers.recorder?.record(record)
        self.observers.metrics.record(record)
    }

    /// The access log line.
    private static func log(_ record: RequestRecord, to logger: Logger) {
        guard logger.logLevel <= .info else { return }
        var metadata: Logger.Metadata = [
            "model": .string(record.model), "deployment": .string(record.deployment ?? "none"), "endpoint": .string(record.endpoint.path),
            "stream": .stringConvertible(record.stream), "status": .stringConvertible(record.status),
            "latency_ms": .stringConvertible(record.latency.inMilliseconds),
            "prompt_tokens": .stringConvertible(record.usage?.promptTokens ?? 0),
            "completion_tokens": .stringConvertible(record.usage?.completionTokens ?? 0),
        ]
        if let ttft = record.timeToFirstToken { metadata["ttft_ms"] = .stringConvertible(ttft.inMilliseconds) }
        if let code = record.errorCode { metadata["error_code"] = .string(code) }
        if let traceID = record.traceID { metadata["trace_id"] = .string(traceID) }
        if record.attempts > 1 { metadata["attempts"] = .stringConvertible(record.attempts) }
        if let served = record.servedModel, served != record.model { metadata["served_model"] = .string(served) }
        logger.info("request finished", metadata: metadata)
    }
}
