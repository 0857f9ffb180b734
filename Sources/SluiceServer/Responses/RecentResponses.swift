import SluiceStore

/// The most recent responses, held in memory within a count and a byte bound: the oldest go
/// first when either is passed, and expired ones as soon as they reach the front. A value type
/// that the ``ResponseLog`` keeps behind a lock; time is passed in.
struct RecentResponses {
    let maxCount: Int
    let maxBytes: Int
    private var entries: [String: (response: StoredResponse, sequence: UInt64)] = [:]
    /// Ids in the order they came in, with the sequence number each had then: an id removed and
    /// added again must not be evicted by its older place in the line.
    private var order: [(id: String, sequence: UInt64)] = []
    private var front = 0
    private var nextSequence: UInt64 = 0
    private(set) var bytes = 0

    init(maxCount: Int, maxBytes: Int) {
        self.maxCount = maxCount
        self.maxBytes = maxBytes
    }

    var count: Int { self.entries.count }

    /// Adds (or replaces) a response. Returns false when it alone is larger than the byte bound,
    /// so it cannot be held.
    @discardableResult
    mutating func insert(_ response: StoredResponse, now: UnixTime) -> Bool {
        guard response.byteCount <= self.maxBytes else { return false }
        self.removeEntry(response.id)
        self.nextSequence &+= 1
        self.entries[response.id] = (response, self.nextSequence)
        self.order.append((response.id, self.nextSequence))
        self.bytes += response.byteCount
        self.evict(now: now)
        return true
    }

    /// The tenant's response with that id, unless it has expired at `now`.
    func find(id: String, tenantID: String?, now: UnixTime) -> StoredResponse? {
        guard let response = self.entries[id]?.response, response.tenantID == tenantID, response.expiresAt > now else { return nil }
        return response
    }

    /// Removes the tenant's response with that id; false when there was none (or it had expired).
    mutating func remove(id: String, tenantID: String?, now: UnixTime) -> Bool {
        guard self.find(id: id, tenantID: tenantID, now: now) != nil else { return false }
        self.removeEntry(id)
        return true
    }

    private mutating func removeEntry(_ id: String) {
        guard let removed = self.entries.removeValue(forKey: id) else { return }
        self.bytes -= removed.response.byteCount
    }

    /// Drops from the front while a bound is passed or the front has expired.
    private mutating func evict(now: UnixTime) {
        while self.front < self.order.count {
            let (id, sequence) = self.order[self.front]
            guard let entry = self.entries[id], entry.sequence == sequence else {
                self.front += 1
                continue
            }
            guard self.entries.count > self.maxCount || self.bytes > self.maxBytes || entry.response.expiresAt <= now else { break }
            self.removeEntry(id)
            self.front += 1
        }
        // The line keeps the places of responses already gone (evicted, removed or replaced);
        // it is rebuilt once they are most of it, so it stays within a few times the entries.
        if self.order.count > 2 * self.entries.count + 64 {
            self.order = self.order[self.front...].filter { self.entries[$0.id]?.sequence == $0.sequence }
            self.front = 0
        }
    }
}
