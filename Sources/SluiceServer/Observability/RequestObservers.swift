import SluiceStore

/// Where every finished request is reported, for the gateway's lifetime (across config reloads):
/// the usage ledger, the audit log, the dashboard's live figures, the metrics, and a recorder.
struct RequestObservers: Sendable {
    let recorder: (any RequestRecorder)?
    /// Nil without a governance store.
    let usageLedger: UsageLedgerWriter?
    /// Nil without an audit log.
    let audit: AuditLog?
    let liveStats: LiveStats
    let metrics: GatewayMetrics
}
