/// Typed reads of request members that name the parameter when the type is wrong.
extension JSONValue {
    /// Parses a request body, refusing anything that is not a JSON object.
    static func requestBody(_ bytes: some Collection<UInt8>) throws(TranslationError) -> JSONValue {
        do {
            return try JSONValue.parseObject(bytes)
        } catch {
            throw TranslationError.invalidRequest("The request body is not valid JSON: \(error)", param: nil)
        }
    }

    /// The member `key`, treating `null` as absent.
    func present(_ key: String) -> JSONValue? {
        guard let value = self[key], !value.isNull else { return nil }
        return value
    }

    func requiredString(_ key: String, at path: String) throws(TranslationError) -> String {
        guard let value = self.present(key)?.stringValue else {
            throw TranslationError.invalidRequest("'\(path)' must be a string", param: path)
        }
        return value
    }

    func optionalString(_ key: String, at path: String) throws(TranslationError) -> String? {
        guard let value = self.present(key) else { return nil }
        guard let string = value.stringValue else {
            throw TranslationError.invalidRequest("'\(path)' must be a string", param: path)
        }
        return string
    }

    func optionalArray(_ key: String, at path: String) throws(TranslationError) -> [JSONValue]? {
        guard let value = self.present(key) else { return nil }
        guard let array = value.arrayValue else {
            throw TranslationError.invalidRequest("'\(path)' must be an array", param: path)
        }
        return array
    }

    func optionalPositiveInteger(_ key: String) throws(TranslationError) -> Int? {
        guard let value = self.present(key) else { return nil }
        guard let integer = value.intValue, integer > 0 else {
            throw TranslationError.invalidRequest("'\(key)' must be a positive integer", param: key)
        }
        return integer
    }

    /// The object's members with `key` set to `value` (replacing it, or appended).
    func setting(_ key: String, to value: JSONValue) -> JSONValue {
        guard var members = self.objectMembers else { return self }
        if let index = members.firstIndex(where: { $0.key == key }) {
            members[index].value = value
        } else {
            members.append((key: key, value: value))
        }
        return .object(members)
    }
}

extension String {
    /// Whether the string is empty or only whitespace, as an absent tool call argument list is.
    var isBlank: Bool { self.allSatisfy(\.isWhitespace) }
}
