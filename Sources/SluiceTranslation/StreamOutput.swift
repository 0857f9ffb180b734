/// Appending to translated stream output.
extension Array where Element == UInt8 {
    mutating func append(_ literal: StaticString) {
        self.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        self.append(contentsOf: bytes)
    }

    mutating func append(integer: Int) {
        self.append(contentsOf: String(integer).utf8)
    }
}
