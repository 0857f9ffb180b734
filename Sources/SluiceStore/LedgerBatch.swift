/// Ledger rows and the budget spend they settle, written to the store together and exactly once.
///
/// The id makes a retry safe: a batch whose commit succeeded but whose answer was lost (the
/// connection broke at the wrong moment) is retried under the same id, and the store skips it
/// whole instead of adding its spend twice.
public struct LedgerBatch: Sendable, Equatable, Codable {
    public var id: String
    public var rows: [UsageRow]
    public var settlements: [BudgetSettlement]

    public init(id: String, rows: [UsageRow], settlements: [BudgetSettlement]) {
        self.id = id
        self.rows = rows
        self.settlements = settlements
    }

    /// A new batch id: 128 random bits as hex, unique across instances and restarts.
    public static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(generator.next() as UInt64, radix: 16) + "-" + String(generator.next() as UInt64, radix: 16)
    }
}
