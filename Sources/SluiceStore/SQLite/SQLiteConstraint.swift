import GRDB

/// Turns SQLite's constraint violations into ``StoreError``s that name the record.
enum SQLiteConstraint {
    /// Runs `body`, mapping a unique or primary-key violation to ``StoreError/conflict(_:)`` and a
    /// foreign-key violation to ``StoreError/notFound(_:)``, with the given descriptions.
    static func mapping<Result>(conflict: String, notFound: String? = nil, _ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch let error as DatabaseError {
            switch error.extendedResultCode {
            case .SQLITE_CONSTRAINT_UNIQUE, .SQLITE_CONSTRAINT_PRIMARYKEY:
                throw StoreError.conflict(conflict)
            case .SQLITE_CONSTRAINT_FOREIGNKEY:
                if let notFound { throw StoreError.notFound(notFound) }
                throw error
            default:
                throw error
            }
        }
    }
}
