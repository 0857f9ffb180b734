import Histogram
import Synchronization

/// Live traffic figures for the dashboard (`GET /admin/stats`, `GET /ui`): a rolling window of
/// one-second buckets over the last ten minutes (requests, errors, latency and time to first token)
/// and token and spend tallies per tenant and model.
///
/// ``Ledger`` feeds it once per finished request. The gateway keeps one for its lifetime, so a
/// config reload keeps the figures. Recording takes one lock and allocates nothing, except the
/// first time a tenant × model pair is seen.
public final class LiveStats: Sendable {
    /// Seconds in the rolling window.
    static let windowSeconds = 600
    /// Tenant × model pairs tallied one by one; requests of further pairs share one tally.
    static let maxUsagePairs = 256
    /// The longest latency told apart from longer ones, in microseconds (one hour).
    static let highestMicroseconds: UInt64 = 3_600_000_000

    /// When the collector started, in Unix seconds.
    let startedAt: Int64
    private let state: Mutex<State>

    public convenience init() {
        self.init(startedAt: WallClock.seconds())
    }

    init(startedAt: Int64) {
        self.startedAt = startedAt
        self.state = Mutex(State())
    }

    /// Counts one finished request in `second` (Unix seconds).
    func record(_ record: RequestRecord, atSecond second: Int64) {
        let latency = Self.microseconds(record.latency)
        let timeToFirstToken = record.timeToFirstToken.map(Self.microseconds)
        let tally = UsageTally(record)
        let pair = TenantModelUsage.Pair(tenantID: record.tenantID, model: record.servedModel ?? record.countedModel)
        self.state.withLock { state in
            state.count(tally, latency: latency, timeToFirstToken: timeToFirstToken, at: second)
            state.usage.add(tally, to: pair, atMinute: second / 60)
        }
    }

    /// The figures as of `now` (Unix seconds), in steps of `step` seconds: 1 while the window
    /// holds two minutes or less, else 5, when nil.
    func snapshot(step: Int? = nil, now: Int64 = WallClock.seconds()) -> LiveStatsSnapshot {
        let first = min(now, max(self.startedAt, now - Int64(Self.windowSeconds) + 1))
        let step = Int64(step ?? (now - first < 120 ? 1 : 5))
        let alignedFirst = first - first % step
        var steps = stride(from: alignedFirst, through: now, by: Int(step)).map { (start: $0, merged: MergedSeconds()) }
        var window = MergedSeconds()
        // Histograms are merged under the lock (a few hundred additions per second of the
        // window, into histograms made before it); their percentiles are read after it.
        let (totals, usage) = self.state.withLock { state in
            for index in steps.indices {
                let start = steps[index].start
                for second in max(start, first)..<min(start + step, now + 1) {
                    state.merge(second: second, into: &steps[index].merged)
                }
                window.add(steps[index].merged)
            }
            return (state.totals, state.usage.figures(atMinute: now / 60))
        }
        return LiveStatsSnapshot(
            now: now, startedAt: self.startedAt, windowSeconds: Self.windowSeconds, stepSeconds: Int(step),
            series: steps.map { LiveStatsSnapshot.Traffic(start: $0.start, seconds: min($0.start + step, now + 1) - max($0.start, first), merged: $0.merged) },
            window: LiveStatsSnapshot.Traffic(start: first, seconds: now - first + 1, merged: window),
            totals: LiveStatsSnapshot.Tally(totals),
            usage: usage.pairs.sorted { ($0.total.costMicroUSD, $0.total.requests) > ($1.total.costMicroUSD, $1.total.requests) }
                .map(LiveStatsSnapshot.PairUsage.init),
            otherUsage: usage.other.map(LiveStatsSnapshot.PairUsage.init)
        )
    }

    static func microseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        let micros = min(max(0, seconds), 1 << 32) * 1_000_000 + max(0, attoseconds) / 1_000_000_000_000
        return min(UInt64(micros), Self.highestMicroseconds)
    }

    /// An empty latency histogram, in microseconds up to an hour. HdrHistogram's log-linear
    /// buckets, merging and percentiles are what a hand-written log-bucket histogram would redo.
    /// One significant digit (within 1/16, or 64 µs below 2 ms) is plenty for a chart and keeps
    /// each at about 2 KB: 2.4 MB for the 1,200 of the window, each allocated when its second
    /// first sees a request (not at start: an idle gateway keeps none).
    static func histogram() -> Histogram<UInt32> {
        Histogram(lowestDiscernibleValue: 64, highestTrackableValue: Self.highestMicroseconds, numberOfSignificantValueDigits: .one)
    }

    /// The collector's state, behind its lock: one slot per second of the window, reused round
    /// robin, and the running tallies.
    private struct State {
        var seconds = [SecondTally](repeating: SecondTally(), count: LiveStats.windowSeconds)
        // A slot's histograms are made the first time its second sees a request, and reset
        // when the slot is reused; recording goes through optional chaining, in place.
        var latency = [Histogram<UInt32>?](repeating: nil, count: LiveStats.windowSeconds)
        var timeToFirstToken = [Histogram<UInt32>?](repeating: nil, count: LiveStats.windowSeconds)
        var totals = UsageTally()
        var usage = TenantModelUsage(maxPairs: LiveStats.maxUsagePairs)

        mutating func count(_ tally: UsageTally, latency: UInt64, timeToFirstToken: UInt64?, at second: Int64) {
            self.totals.add(tally)
            let slot = Int(second % Int64(LiveStats.windowSeconds))
            if self.seconds[slot].second != second {
                guard self.seconds[slot].second < second else { return }  // a second already gone by
                self.seconds[slot] = SecondTally(second: second)
                Self.empty(&self.latency[slot])
                Self.empty(&self.timeToFirstToken[slot])
            }
            self.seconds[slot].requests += 1
            self.seconds[slot].errors += UInt32(tally.errors)
            self.latency[slot]?.record(latency)
            if let timeToFirstToken { self.timeToFirstToken[slot]?.record(timeToFirstToken) }
        }

        /// Resets a slot's histogram, or makes it the first time.
        private static func empty(_ histogram: inout Histogram<UInt32>?) {
            if histogram == nil {
                histogram = LiveStats.histogram()
            } else {
                histogram?.reset()
            }
        }

        func merge(second: Int64, into merged: inout MergedSeconds) {
            let slot = Int(second % Int64(LiveStats.windowSeconds))
            guard self.seconds[slot].second == second else { return }
            merged.requests += Int(self.seconds[slot].requests)
            merged.errors += Int(self.seconds[slot].errors)
            if let latency = self.latency[slot] { merged.latency.add(latency) }
            if let timeToFirstToken = self.timeToFirstToken[slot] { merged.timeToFirstToken.add(timeToFirstToken) }
        }
    }

    /// Requests and errors of one second of the window.
    private struct SecondTally {
        var second = Int64.min
        var requests: UInt32 = 0
        var errors: UInt32 = 0
    }
}

/// Requests, errors and histograms summed over some seconds of the window.
struct MergedSeconds {
    var requests = 0
    var errors = 0
    var latency = LiveStats.histogram()
    var timeToFirstToken = LiveStats.histogram()

    mutating func add(_ other: MergedSeconds) {
        self.requests += other.requests
        self.errors += other.errors
        self.latency.add(other.latency)
        self.timeToFirstToken.add(other.timeToFirstToken)
    }
}
