import AsyncAlgorithms
import Foundation
import Logging
import ServiceLifecycle
import SluiceConfig
import Synchronization

/// The audit log: one JSON line per finished request, appended to a file of its own. A request
/// only appends its line to a buffer; the buffer is written every flush interval and once more
/// when the gateway stops, after its last request.
///
/// The file is opened for appending, so `logrotate`'s `copytruncate` rotates it safely.
final class AuditLog: Service, Sendable {
    /// Whether lines carry the prompt and the answer's text.
    let includesContent: Bool
    private let descriptor: Int32
    private let interval: Duration
    private let logger: Logger
    private let buffer = Mutex<[UInt8]>([])

    /// Lines kept while the file cannot be written; beyond this, new lines are dropped (and logged).
    static let maximumBufferedBytes = 64 << 20

    /// Opens (or creates, readable by its owner only) the file the settings name.
    init(_ settings: AuditSettings, path: String, logger: Logger) throws {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw AuditLogError(path: path, reason: String(cString: strerror(errno))) }
        self.descriptor = descriptor
        self.includesContent = settings.includeContent
        self.interval = settings.flushInterval
        self.logger = logger
    }

    deinit {
        close(self.descriptor)
    }

    func append(_ record: RequestRecord, finishedAtMicros: Int64) {
        let line = AuditLine.render(record, finishedAtMicros: finishedAtMicros, includeContent: self.includesContent)
        let dropped = self.buffer.withLock { buffer in
            guard buffer.count + line.count <= Self.maximumBufferedBytes else { return true }
            buffer.append(contentsOf: line)
            return false
        }
        if dropped { self.logger.error("audit log buffer full; dropped a line", metadata: ["request_id": .string(record.requestID)]) }
    }

    func run() async throws {
        for try await _ in AsyncTimerSequence(interval: self.interval, clock: .continuous).cancelOnGracefulShutdown() {
            self.flush()
        }
        self.flush()
    }

    /// Writes what is buffered now; what cannot be written stays buffered for the next flush.
    func flush() {
        let pending = self.buffer.withLock { buffer in
            defer { buffer = [] }
            return buffer
        }
        var written = 0
        while written < pending.count {
            let result = pending[written...].withUnsafeBytes { bytes in write(self.descriptor, bytes.baseAddress, bytes.count) }
            if result < 0 {
                if errno == EINTR { continue }
                self.logger.error("cannot write the audit log", metadata: ["error": .string(String(cString: strerror(errno)))])
                break
            }
            written += result
        }
        if written < pending.count {
            self.buffer.withLock { $0.insert(contentsOf: pending[written...], at: 0) }
        }
    }
}

/// The audit log's file cannot be opened.
struct AuditLogError: Error, CustomStringConvertible {
    let path: String
    let reason: String

    var description: String { "cannot open the audit log \(self.path): \(self.reason)" }
}
