import Foundation
import SluiceStore

/// Ledger batches kept on disk while the store cannot be reached: one JSON file per batch, named
/// so that they sort oldest first, written whole (a temporary file renamed into place) and
/// removed once the store has them. Files left by an earlier run are written when the store
/// answers again, so neither an outage nor a restart during one loses a row.
struct LedgerSpill: Sendable {
    let directory: String

    /// Why a spilled batch could not be read back.
    struct UnreadableBatch: Error, CustomStringConvertible {
        let file: String
        let reason: String
        var description: String { "spilled ledger batch \(self.file): \(self.reason)" }
    }

    /// Writes a batch to a file of its own (creating the directory, readable by its owner only).
    func write(_ batch: LedgerBatch) throws {
        try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let millis = Int64(Date().timeIntervalSince1970 * 1000)
        let name = String(repeating: "0", count: max(0, 15 - String(millis).count)) + "\(millis)-\(batch.id).json"
        try JSONEncoder().encode(batch).write(to: self.url(name), options: [.atomic])
    }

    /// The spilled files, oldest first.
    func files() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: self.directory)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted()
    }

    /// Reads a spilled batch.
    /// - Throws: ``UnreadableBatch`` for a file that is not a batch (it is set aside, see ``setAside(_:)``).
    func read(_ file: String) throws -> LedgerBatch {
        do {
            return try JSONDecoder().decode(LedgerBatch.self, from: Data(contentsOf: self.url(file)))
        } catch {
            throw UnreadableBatch(file: file, reason: "\(error)")
        }
    }

    func remove(_ file: String) {
        try? FileManager.default.removeItem(at: self.url(file))
    }

    /// Renames a file that cannot be read so it is not tried again, and is kept for a person to look at.
    func setAside(_ file: String) {
        try? FileManager.default.moveItem(at: self.url(file), to: self.url(file + ".unreadable"))
    }

    private func url(_ file: String) -> URL {
        URL(fileURLWithPath: self.directory).appendingPathComponent(file)
    }
}
