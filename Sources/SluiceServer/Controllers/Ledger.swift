import Logging
import NIOCore
import SluiceConfig
import SluiceStore

/// Closes a request's record: latency, cost, the budget reservation's settlement, the access log
/// line, the usage ledger and the recorder.
struct Ledger: Sendable {
    let recorder: (any RequestRecorder)?
    let usageLedger: UsageLedgerWriter?
    let logger: Logger
    let started: NIODeadline
    /// The request's hold on its budgets, settled with what it spent.
    var reservation: BudgetReservation?
    /// The request's spans, ended with its record.
    var trace = RequestTrace.off

    init(recorder: (any RequestRecorder)?, usageLedger: UsageLedgerWriter?, logger: Logger, started: NIODeadline) {
        self.recorder = recorder
        self.usageLedger = usageLedger
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
        self.usageLedger?.append(UsageRow(record, finishedAtMillis: WallClock.micros() / 1000))
        if self.logger.logLevel <= .info {
            var metadata: Logger.Metadata = [
                "model": .string(record.model), "deployment": .string(record.deployment ?? "none"), "endpoint": .string(record.endpoint.path),
                "stream": .stringConvertible(record.stream), "status": .stringConvertible(record.status),
                "latency_ms": .stringConvertible(Self.milliseconds(record.latency)),
                "prompt_tokens": .stringConvertible(record.usage?.promptTokens ?? 0),
                "completion_tokens": .stringConvertible(record.usage?.completionTokens ?? 0),
            ]
            if let ttft = record.timeToFirstToken { metadata["ttft_ms"] = .stringConvertible(Self.milliseconds(ttft)) }
            if let code = record.errorCode { metadata["error_code"] = .string(code) }
            if let traceID = record.traceID { metadata["trace_id"] = .string(traceID) }
            if record.attempts > 1 { metadata["attempts"] = .stringConvertible(record.attempts) }
            if let served = record.servedModel, served != record.model { metadata["served_model"] = .string(served) }
            self.logger.info("request finished", metadata: metadata)
        }
        self.trace.finish(record)
        self.recorder?.record(record)
    }

    private static func milliseconds(_ duration: Duration) -> Double {
        (duration.inSeconds * 1_000_000).rounded() / 1000
    }
}
