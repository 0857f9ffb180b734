/// A JSON document that is not valid, with the place where reading it failed.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    /// Byte offset of the failure from the start of the document.
    public var offset: Int
    /// One-based line and column of the failure.
    public var line: Int
    public var column: Int

    init(reason: String, offset: Int, in bytes: UnsafeRawBufferPointer) {
        self.reason = reason
        self.offset = offset
        var line = 1
        var lineStart = 0
        for index in 0..<min(offset, bytes.count) where bytes[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        self.line = line
        self.column = offset - lineStart + 1
    }

    public var description: String {
        "\(self.reason) at line \(self.line), column \(self.column) (byte \(self.offset))"
    }
}
