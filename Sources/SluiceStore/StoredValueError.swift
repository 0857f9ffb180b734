/// A column held a value this version cannot read (written by something else, or by hand).
struct StoredValueError: Error, CustomStringConvertible {
    var column: String
    var text: String

    var description: String { "column \(self.column) holds a value that cannot be read: \(self.text.prefix(200))" }
}
