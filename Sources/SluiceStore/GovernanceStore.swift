/// Where governance state lives: tenants, virtual keys, budgets and their leases, rate-limit
/// cells and the usage ledger. Two real backends: ``SQLiteStore`` (embedded, one gateway
/// process) and ``PostgresStore`` (several gateway processes sharing one database).
///
/// Every method is one transaction: it either happens whole or not at all. Times are Unix
/// seconds (``UnixTime``); money is in micro-dollars and tokens are counted as they are, so all
/// amounts are exact integers.
public protocol GovernanceStore: Sendable {
    /// Creates or upgrades the schema. Safe to call on every start and from several processes.
    func migrate() async throws

    // MARK: Tenants

    /// - Throws: ``StoreError/conflict(_:)`` when a tenant with that id exists.
    func createTenant(_ tenant: TenantRecord) async throws
    func tenant(id: String) async throws -> TenantRecord?
    func tenants() async throws -> [TenantRecord]

    // MARK: Virtual keys

    /// - Throws: ``StoreError/conflict(_:)`` when the id or the hash exists, ``StoreError/notFound(_:)``
    ///   when the key names a tenant that does not exist.
    func createKey(_ key: VirtualKeyRecord) async throws
    /// The key whose SHA-256 hash (lowercase hex) is `hash`, revoked or not.
    func key(hash: String) async throws -> VirtualKeyRecord?
    func key(id: String) async throws -> VirtualKeyRecord?
    /// Every key, or a tenant's keys, oldest first.
    func keys(tenantID: String?) async throws -> [VirtualKeyRecord]
    /// Marks a key revoked at `at`. Returns false when no such key exists; revoking twice keeps the first time.
    func revokeKey(id: String, at: UnixTime) async throws -> Bool

    // MARK: Budgets

    /// - Throws: ``StoreError/conflict(_:)`` when the id exists.
    func createBudget(_ budget: BudgetRecord) async throws
    func budgets() async throws -> [BudgetRecord]
    /// Deletes a budget with its counters and leases. Returns false when no such budget exists.
    func deleteBudget(id: String) async throws -> Bool

    /// Leases up to `request.amount` of a budget's capacity for one period to one gateway
    /// instance, atomically against every other instance: the granted amount never lets
    /// `spent + live leases` pass the limit. Leases not renewed for `request.leaseTTL` seconds
    /// no longer count (their instance is gone). Returns the amount granted (0 when none is left).
    func leaseBudget(_ request: BudgetLeaseRequest) async throws -> Int64
    /// Gives back part of an instance's lease it will not use.
    func returnBudget(_ key: BudgetPeriodKey, instanceID: String, amount: Int64) async throws
    /// Marks every live lease the instance holds as alive at `now`. A lease that has lapsed
    /// (not renewed for `leaseTTL` seconds) is not revived: its capacity may be another's by now,
    /// so it drops to zero and the instance leases anew.
    func renewLeases(instanceID: String, now: UnixTime, leaseTTL: Int64) async throws
    /// What a budget's period has spent and how much live leases hold.
    func budgetUsage(_ key: BudgetPeriodKey, now: UnixTime, leaseTTL: Int64) async throws -> BudgetUsage

    // MARK: Rate limits

    /// One GCRA step on a shared cell: takes `request.cost` units if the cell allows it at
    /// `request.now`. Used by gateway instances to take slices of a shared limit.
    func takeRate(_ request: RateTakeRequest) async throws -> RateDecision

    // MARK: Usage ledger

    /// Appends a batch's ledger rows and applies its budget settlements in one transaction, once:
    /// a batch whose id was recorded before is skipped whole. A settlement moves `amount` from the
    /// instance's lease to the period's spend (spend grows even when the lease is smaller, e.g.
    /// after it expired). A row whose request id exists is skipped.
    func record(_ batch: LedgerBatch) async throws
    /// Forgets the ids of batches recorded before `before` (a retry comes within minutes or
    /// hours, not weeks). Returns how many.
    func forgetLedgerBatches(recordedBefore before: UnixTime) async throws -> Int
    /// Ledger rows matching the query, newest first.
    func usage(_ query: UsageQuery) async throws -> [UsageRow]
    /// Requests, tokens and cost summed per tenant, model and UTC day, for rows in the query.
    func spend(_ query: UsageQuery) async throws -> [SpendRow]

    // MARK: Stored responses

    /// Keeps a response of the Responses API.
    /// - Throws: ``StoreError/conflict(_:)`` when a response with that id exists.
    func saveResponse(_ response: StoredResponse) async throws
    /// The response with that id when it belongs to `tenantID` (nil matches only responses made
    /// without a tenant) and has not expired at `now`; nil otherwise.
    func response(id: String, tenantID: String?, now: UnixTime) async throws -> StoredResponse?
    /// Deletes a tenant's response. Returns false when it has no response with that id that has
    /// not expired at `now` (an expired one is left to ``purgeResponses(expiredAt:limit:)``).
    func deleteResponse(id: String, tenantID: String?, now: UnixTime) async throws -> Bool
    /// Deletes up to `limit` of the responses expired at `now` (a bounded write, so other writers
    /// are not held up behind it); returns how many.
    func purgeResponses(expiredAt now: UnixTime, limit: Int) async throws -> Int
}
