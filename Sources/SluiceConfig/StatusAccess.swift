/// Who may read `/metrics` and `/ready`, which show tenant ids, spend per tenant and upstream
/// model names.
public enum StatusAccess: Sendable, Equatable {
    /// Anyone who can reach the port (keep the port private).
    case open
    /// A request that presents the metrics key (when one is set) or the admin key, as a bearer
    /// token or the password of HTTP Basic auth.
    case key(metricsKey: Secret?)
}
