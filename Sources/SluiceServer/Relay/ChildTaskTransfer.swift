/// Moves a non-Sendable closure into a child task that finishes before the closure's scope ends
/// (its task group awaits it), which makes the transfer safe.
struct ChildTaskTransfer<Value>: @unchecked Sendable {
    let value: Value
}
