import Synchronization

/// Counts open client connections per client address and refuses one past the limit, so one
/// client cannot take every connection the gateway will hold.
final class ClientAddressCap: Sendable {
    let limit: Int
    private let open = Mutex<[String: Int]>([:])

    init(limit: Int) {
        self.limit = limit
    }

    /// Counts a new connection from `address`; false (and not counted) when the address already has `limit`.
    func admit(_ address: String) -> Bool {
        self.open.withLock { open in
            let count = open[address, default: 0]
            guard count < self.limit else { return false }
            open[address] = count + 1
            return true
        }
    }

    /// Uncounts a connection that ``admit(_:)`` counted.
    func release(_ address: String) {
        self.open.withLock { open in
            guard let count = open[address] else { return }
            open[address] = count > 1 ? count - 1 : nil
        }
    }

    /// Open connections from `address`.
    func count(_ address: String) -> Int {
        self.open.withLock { $0[address, default: 0] }
    }
}
