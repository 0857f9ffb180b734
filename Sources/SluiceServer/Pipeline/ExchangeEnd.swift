import Logging
import NIOCore
import SluiceConfig
import SluiceStore

/// Closes a request's record: latency, cost, the budget reservation's settlement, the access log
/// line, and the report to every ``RequestObservers``. The request counts as in flight from the
/// ledger's creation to ``finish(_:ttft:)``.
struct Ledger: Sendable {
    let observers: RequestObservers
    let logger: Logger
    let started: NIODeadline
    /// The request's hold on its budgets, settled with what it spent.
    var reservation: BudgetReservation?
    /// The request's spans, ended with its record.
    var trace = RequestTrace.off

    init(observers: RequestObservers, logger: Logger, started: NIODeadline) {
        self.observers = observers
        observers.metrics.requestStarted()
        self.logger = logger
        self.started = started
    }

    func finish(_ record: inout RequestRecord, ttft: NIODeadline?) {
        let now = NIODeadline.now()
        record.traceID = self.trace.traceID
        record.latency = .nanoseconds((now - self.started).nanoseconds)
        record.timeToFirstToken = ttft.map { .nanoseconds(($0 - self.started).nanoseconds) }
        if let usage = record.usage, let price = record.price { record.cost = price.cost(of: usage) }
        self.reservation?.settle(tokens: Int64(record.usage?.totalTokens ?? 0), microUSD: record.costMicroUSD)
        // One wall-clock reading for the ledger row, the audit line and the live figures.
        let finished = WallClock.micros()
        self.observers.usageLedger?.append(UsageRow(record, finishedAtMillis: finished / 1000))
        self.observers.audit?.append(record, finishedAtMicros: finished)
        if self.logger.logLevel <= .info {
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
            self.logger.info("request finished", metadata: metadata)
        }
        self.trace.finish(record)
        self.observers.liveStats.record(record, atSecond: finished / 1_000_000)
        self.observers.recorder?.record(record)
        self.observers.metrics.record(record)
    }
}
