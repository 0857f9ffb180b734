/// Numbers read back from the store, checked against the range the gateway writes them in: a row
/// written by hand, by another program or by an older version must not carry a negative limit,
/// rate or count into the gateway's arithmetic.
enum StoredNumber {
    /// `value` when it is in `range`; otherwise the row cannot be read (a limit that would mean
    /// something else than the operator set must not be guessed at).
    static func checked<Value: Comparable>(_ value: Value, in range: PartialRangeFrom<Value>, column: String) throws -> Value {
        guard range.contains(value) else { throw StoredValueError(column: column, text: "\(value)") }
        return value
    }

    static func checked<Value: Comparable>(_ value: Value?, in range: PartialRangeFrom<Value>, column: String) throws -> Value? {
        try value.map { try self.checked($0, in: range, column: column) }
    }

    /// `value` raised to `range`'s bound: for counts in the ledger, a record of the past that
    /// must not stop reports on every other row.
    static func clamped<Value: Comparable>(_ value: Value, to range: PartialRangeFrom<Value>) -> Value {
        max(value, range.lowerBound)
    }
}
