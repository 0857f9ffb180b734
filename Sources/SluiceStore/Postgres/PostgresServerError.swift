/// An error PostgreSQL reported, with its SQLSTATE and message.
public struct PostgresServerError: Error, CustomStringConvertible {
    public var sqlState: String
    public var message: String
    public var detail: String?

    public var description: String {
        "PostgreSQL error \(self.sqlState): \(self.message)" + (self.detail.map { " (\($0))" } ?? "")
    }
}
