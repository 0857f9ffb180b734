/// Enum columns: stored as their raw value, read back strictly.
enum StoredEnum {
    static func decode<Value: RawRepresentable>(_ type: Value.Type, from rawValue: String, column: String) throws -> Value where Value.RawValue == String {
        guard let value = Value(rawValue: rawValue) else {
            throw StoredValueError(column: column, text: rawValue)
        }
        return value
    }
}
