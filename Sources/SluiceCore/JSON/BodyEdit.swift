/// A change to a JSON body expressed as a byte splice, applied by whoever owns the buffer.
///
/// Keeping edits as splices lets the server forward the untouched parts of a body without
/// decoding or re-encoding them.
public struct BodyEdit: Sendable, Equatable {
    /// The bytes to replace; an empty range inserts at its position.
    public var range: Range<Int>
    public var replacement: [UInt8]

    public init(range: Range<Int>, replacement: [UInt8]) {
        self.range = range
        self.replacement = replacement
    }

    public init(range: Range<Int>, replacement: String) {
        self.init(range: range, replacement: Array(replacement.utf8))
    }

    /// Applies `edits` (sorted, non-overlapping) to `bytes`.
    public static func apply(_ edits: [BodyEdit], to bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + edits.reduce(0) { $0 + $1.replacement.count })
        var position = 0
        for edit in edits {
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[position..<edit.range.lowerBound]))
            output.append(contentsOf: edit.replacement)
            position = edit.range.upperBound
        }
        output.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[position...]))
        return output
    }
}
