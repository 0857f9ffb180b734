/// One step of the generic cell rate algorithm (GCRA) on a shared cell.
///
/// The cell keeps a theoretical arrival time (TAT). Taking `cost` units at `now` is allowed when
/// `max(TAT, now) + cost × emissionInterval − burstTolerance ≤ now`; then TAT becomes
/// `max(TAT, now) + cost × emissionInterval`. Times in microseconds, so the limits stay exact.
public struct RateTakeRequest: Sendable, Equatable {
    /// Names the limited thing, e.g. `key:sk-sluice-ab12cd34:rpm`.
    public var cell: String
    public var cost: Int64
    /// Microseconds one unit occupies (60,000,000 / limit per minute).
    public var emissionIntervalMicros: Int64
    /// How far ahead of now the TAT may run: the burst.
    public var burstToleranceMicros: Int64
    public var nowMicros: Int64

    public init(cell: String, cost: Int64, emissionIntervalMicros: Int64, burstToleranceMicros: Int64, nowMicros: Int64) {
        self.cell = cell
        self.cost = cost
        self.emissionIntervalMicros = emissionIntervalMicros
        self.burstToleranceMicros = burstToleranceMicros
        self.nowMicros = nowMicros
    }
}

/// The outcome of a ``RateTakeRequest``.
public enum RateDecision: Sendable, Equatable {
    case allowed
    /// Not allowed; the same take would be allowed after this many microseconds.
    case denied(retryAfterMicros: Int64)
}
