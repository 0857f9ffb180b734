import AsyncAlgorithms
import Logging
import ServiceLifecycle
import SluiceStore
import Synchronization

/// Writes the usage ledger and budget spend to the store in batches, off the request path: a
/// request only appends to a buffer. The buffer is written every flush interval, and once more
/// when the gateway shuts down, after the server has let its last requests finish.
///
/// While the store cannot be reached nothing is lost: a batch that failed is retried under its
/// own id (so the store applies it once, even if the failure hid a commit), rows beyond the
/// memory bound go to files in the spill directory, and what is still unwritten at shutdown is
/// spilled too. Spilled batches, this run's or an earlier one's, are written first when the
/// store answers again. Only when the spill directory cannot be written are rows dropped, and
/// then counted and logged.
final class UsageLedgerWriter: Service, Sendable {
    private struct State {
        /// Rows and settlements appended since the last batch was cut.
        var rows: [UsageRow] = []
        var settlements: [BudgetSettlement] = []
        /// Batches that failed to write, oldest first; each keeps its id for the retry.
        var unsent: [LedgerBatch] = []
        var unsentRows = 0
        var spilledBatches = 0
        var droppedRows = 0
        /// Whether the spill directory may hold batches (it is listed only then).
        var mayHaveSpilled = true

        var bufferedRows: Int { self.rows.count + self.unsentRows }
    }

    /// What the writer holds back from the store, for `/ready`.
    struct Backlog: Sendable {
        var bufferedRows: Int
        var spilledBatches: Int
        var droppedRows: Int
    }

    /// Rows written in one transaction at most.
    static let maximumBatchRows = 10_000

    private let store: any GovernanceStore
    private let interval: Duration
    private let bufferRows: Int
    private let spill: LedgerSpill
    private let health: StoreHealth
    private let logger: Logger
    private let state = Mutex(State())

    /// - Parameter bufferRows: rows kept in memory while the store fails; older ones are spilled.
    init(store: any GovernanceStore, interval: Duration, bufferRows: Int, spill: LedgerSpill, health: StoreHealth, logger: Logger) {
        self.store = store
        self.interval = interval
        self.bufferRows = bufferRows
        self.spill = spill
        self.health = health
        self.logger = logger
        let spilled = spill.files().count
        self.state.withLock { $0.spilledBatches = spilled }
    }

    var backlog: Backlog {
        self.state.withLock { Backlog(bufferedRows: $0.bufferedRows, spilledBatches: $0.spilledBatches, droppedRows: $0.droppedRows) }
    }

    func append(_ row: UsageRow) {
        self.state.withLock { $0.rows.append(row) }
    }

    func append(_ settlements: [BudgetSettlement]) {
        self.state.withLock { $0.settlements.append(contentsOf: settlements) }
    }

    func run() async throws {
        for try await _ in AsyncTimerSequence(interval: self.interval, clock: .continuous).cancelOnGracefulShutdown() {
            await self.flush()
        }
        await self.flush()
        self.spillEverything()
    }

    /// Writes spilled batches, then batches that failed before, then what was appended since:
    /// each in a transaction of its own, stopping at the first failure (the store is down).
    func flush() async {
        guard await self.writeSpilled() else { return self.spillOverflow() }
        while let batch = self.state.withLock({ $0.unsent.isEmpty ? nil : $0.unsent.removeFirst() }) {
            guard await self.write(batch) else {
                self.state.withLock { $0.unsent.insert(batch, at: 0) }
                return self.spillOverflow()
            }
            self.state.withLock { $0.unsentRows -= batch.rows.count }
        }
        while let batch = self.state.withLock({ Self.cutBatch(&$0) }) {
            guard await self.write(batch) else {
                self.state.withLock { state in
                    state.unsent.append(batch)
                    state.unsentRows += batch.rows.count
                }
                return self.spillOverflow()
            }
        }
    }

    private func write(_ batch: LedgerBatch) async -> Bool {
        do {
            try await self.health.observing { try await self.store.record(batch) }
            return true
        } catch {
            return false
        }
    }

    /// Writes the spilled batches, oldest first. Returns false when the store failed.
    private func writeSpilled() async -> Bool {
        guard self.state.withLock({ $0.mayHaveSpilled }) else { return true }
        for file in self.spill.files() {
            let batch: LedgerBatch
            do {
                batch = try self.spill.read(file)
            } catch {
                self.logger.error("could not read a spilled ledger batch; set it aside", metadata: ["error": "\(error)"])
                self.spill.setAside(file)
                self.state.withLock { $0.spilledBatches -= 1 }
                continue
            }
            guard await self.write(batch) else { return false }
            self.spill.remove(file)
            self.state.withLock { $0.spilledBatches -= 1 }
            self.logger.info("wrote a spilled ledger batch", metadata: ["rows": "\(batch.rows.count)", "file": "\(file)"])
        }
        self.state.withLock { $0.mayHaveSpilled = false }
        return true
    }

    /// Moves the oldest batches to disk until the rows in memory are within the bound.
    private func spillOverflow() {
        while let batch = self.state.withLock({ state -> LedgerBatch? in
            guard state.bufferedRows > self.bufferRows else { return nil }
            return Self.takeOldest(&state)
        }) {
            self.keepOnDisk(batch)
        }
    }

    /// At shutdown: everything not written goes to disk, for the next start.
    private func spillEverything() {
        var rows = 0
        while let batch = self.state.withLock({ Self.takeOldest(&$0) }) {
            rows += batch.rows.count
            self.keepOnDisk(batch)
        }
        if rows > 0 {
            self.logger.warning("the store was unreachable at shutdown; ledger rows kept on disk for the next start", metadata: ["rows": "\(rows)", "directory": "\(self.spill.directory)"])
        }
    }

    private func keepOnDisk(_ batch: LedgerBatch) {
        do {
            try self.spill.write(batch)
            self.state.withLock { state in
                state.spilledBatches += 1
                state.mayHaveSpilled = true
            }
        } catch {
            self.state.withLock { $0.droppedRows += batch.rows.count }
            self.logger.error(
                "could not spill ledger rows to disk; dropped them", metadata: ["rows": "\(batch.rows.count)", "directory": "\(self.spill.directory)", "error": "\(error)"]
            )
        }
    }

    /// The oldest batch not written: a failed one, else one cut from what was appended.
    private static func takeOldest(_ state: inout State) -> LedgerBatch? {
        guard state.unsent.isEmpty else {
            let batch = state.unsent.removeFirst()
            state.unsentRows -= batch.rows.count
            return batch
        }
        return Self.cutBatch(&state)
    }

    /// A new batch of what was appended (at most ``maximumBatchRows`` rows); nil when nothing was.
    private static func cutBatch(_ state: inout State) -> LedgerBatch? {
        guard !state.rows.isEmpty || !state.settlements.isEmpty else { return nil }
        let count = min(state.rows.count, Self.maximumBatchRows)
        let batch = LedgerBatch(id: LedgerBatch.newID(), rows: Array(state.rows.prefix(count)), settlements: state.settlements)
        state.rows.removeFirst(count)
        state.settlements = []
        return batch
    }
}
