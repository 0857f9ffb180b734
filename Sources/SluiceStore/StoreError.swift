/// Failures a ``GovernanceStore`` reports beyond the database's own errors.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    /// A record with that identity exists.
    case conflict(String)
    /// A record the operation names does not exist.
    case notFound(String)
    /// The store could not be opened or reached.
    case unavailable(String)

    public var description: String {
        switch self {
        case .conflict(let what): "already exists: \(what)"
        case .notFound(let what): "not found: \(what)"
        case .unavailable(let why): "store unavailable: \(why)"
        }
    }
}
