/// Admits at most `limit` distinct values of a label (tenants); later newcomers share the value
/// `other`, so the number of series stays bounded however many tenants there are.
struct LabelValueCap: Sendable {
    static let overflow = "other"
    let limit: Int
    private var admitted: Set<String> = []

    init(limit: Int) {
        self.limit = limit
    }

    /// The label value for `value`: itself while there is room or it was admitted before.
    mutating func label(for value: String) -> String {
        if self.admitted.contains(value) { return value }
        guard self.admitted.count < self.limit else { return Self.overflow }
        self.admitted.insert(value)
        return value
    }
}
