/// Where each prefix key seen lately lives, for prefix-aware routing: its home deployment, and
/// the deployments that got it recently and so probably still hold it in their KV cache.
///
/// A new key's home is the first deployment in the key's rendezvous order that holds fewer than
/// `balance` times the average number of keys per deployment: consistent hashing with bounded
/// loads (Mirrokni, Thorup and Zadimoghaddam, 2018). Plain hashing gives one of three servers 13
/// or more of 28 prefixes for about one set of prompts in three; that server then thrashes its
/// cache while another's sits half empty. A key keeps its home while the home is available. The least recently used keys are
/// forgotten beyond `capacity`.
struct PrefixHomes {
    /// A deployment counts as warm for a key while the key was among the last `warmWindow`
    /// requests sent to it: a server's prefix cache keeps what its recent requests used.
    static let warmWindow: UInt64 = 32

    private struct Entry {
        var home: Int
        var used: UInt64
        /// Per deployment index, that deployment's request count when it last got the key.
        var sent: [Int: UInt64] = [:]
    }

    let capacity: Int
    let balance: Double
    private var entries: [UInt64: Entry] = [:]
    private var keysPerDeployment: [Int: Int] = [:]
    private var requestsPerDeployment: [Int: UInt64] = [:]
    private var clock: UInt64 = 0

    init(capacity: Int, balance: Double) {
        self.capacity = max(2, capacity)
        self.balance = max(1, balance)
    }

    /// The home of `key` among `ranked` (indices of the available deployments in the key's
    /// rendezvous order, not empty), chosen now if the key has none there, and the deployments
    /// among them that are warm for it.
    mutating func locate(_ key: UInt64, ranked: [Int]) -> (home: Int, warm: Set<Int>) {
        self.clock &+= 1
        var entry = self.entries[key] ?? Entry(home: -1, used: 0)
        if !ranked.contains(entry.home) {
            if entry.home >= 0 { self.keysPerDeployment[entry.home, default: 1] -= 1 }
            let keys = ranked.reduce(0) { $0 + self.keysPerDeployment[$1, default: 0] }
            let limit = (self.balance * Double(keys + 1) / Double(ranked.count)).rounded(.up)
            entry.home = ranked.first { Double(self.keysPerDeployment[$0, default: 0] + 1) <= limit } ?? ranked[0]
            self.keysPerDeployment[entry.home, default: 0] += 1
        }
        entry.used = self.clock
        self.entries[key] = entry
        if self.entries.count > self.capacity { self.forgetOlderHalf() }
        let warm = entry.sent.filter { index, count in self.requestsPerDeployment[index, default: 0] - count < Self.warmWindow }
        return (entry.home, Set(warm.keys))
    }

    /// Notes that a request with `key` goes to the deployment `index` first.
    mutating func send(_ key: UInt64, to index: Int) {
        let count = self.requestsPerDeployment[index, default: 0] + 1
        self.requestsPerDeployment[index] = count
        self.entries[key]?.sent[index] = count
    }

    /// Drops the least recently used half of the keys (once per `capacity / 2` new keys).
    private mutating func forgetOlderHalf() {
        let cutoff = self.entries.values.map(\.used).sorted()[self.entries.count / 2]
        for (key, entry) in self.entries where entry.used < cutoff {
            self.entries[key] = nil
            self.keysPerDeployment[entry.home, default: 1] -= 1
        }
    }
}
