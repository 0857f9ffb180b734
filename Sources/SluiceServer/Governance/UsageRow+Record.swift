import SluiceStore

extension UsageRow {
    /// The ledger row of a finished request.
    init(_ record: RequestRecord, finishedAtMillis: Int64) {
        func micros(_ duration: Duration) -> Int64 {
            let (seconds, attoseconds) = duration.components
            return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        }
        self.init(
            requestID: record.ledgerID, finishedAtMillis: finishedAtMillis, keyID: record.keyID, tenantID: record.tenantID,
            model: record.model, servedModel: record.servedModel, deployment: record.deployment, endpoint: record.endpoint.path,
            stream: record.stream, status: record.status, attempts: record.attempts, promptTokens: record.usage?.promptTokens ?? 0,
            completionTokens: record.usage?.completionTokens ?? 0, cachedTokens: record.usage?.cachedPromptTokens ?? 0,
            costMicroUSD: record.costMicroUSD, latencyMicros: micros(record.latency), timeToFirstTokenMicros: record.timeToFirstToken.map(micros),
            errorCode: record.errorCode
        )
    }
}
