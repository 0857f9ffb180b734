/// A JSON Schema (an OpenAI tool's `parameters`, or a `response_format` schema) in the subset
/// Gemini's `Schema` object accepts, which refuses any keyword it does not know (400 "Unknown
/// name additionalProperties").
///
/// - Kept: `type`, `format`, `title`, `description`, `nullable`, `enum` (of strings), `properties`,
///   `required`, `items`, `anyOf`, `minItems`, `maxItems`, `minProperties`, `maxProperties`,
///   `minLength`, `maxLength`, `pattern`, `minimum`, `maximum`, `default`, `example`,
///   `propertyOrdering`.
/// - Rewritten: `$ref` to a schema of `$defs` or `definitions` is inlined; a type list with
///   `"null"` (`["string","null"]`) becomes the type with `nullable: true`, and so does an
///   `anyOf`/`oneOf` that pairs a schema with `{"type":"null"}`; `oneOf` becomes `anyOf`; an
///   `allOf` of one schema becomes that schema; `const` becomes a one-value `enum`; `null` in an
///   `enum` becomes `nullable: true`, and an enum of anything but strings is dropped.
/// - Dropped, because they only constrain what strict mode already asks for or have no Gemini
///   equivalent: `additionalProperties`, `$schema`, `$id`, `$defs`, `strict`, and every other
///   keyword.
/// - Refused: a recursive `$ref` (Gemini schemas cannot refer to themselves), a `$ref` to no
///   definition, or nesting deeper than ``maxDepth``.
enum GeminiSchema {
    /// Deepest nesting translated; deeper schemas are refused rather than walked.
    static let maxDepth = 64

    private static let keptKeywords: Set<String> = [
        "type", "format", "title", "description", "nullable", "required", "minItems", "maxItems", "minProperties", "maxProperties",
        "minLength", "maxLength", "pattern", "minimum", "maximum", "default", "example", "propertyOrdering",
    ]

    /// `schema` in Gemini's subset; `path` names it in errors (for example `tools[0].function.parameters`).
    static func translate(_ schema: JSONValue, at path: String) throws(TranslationError) -> JSONValue {
        var definitions: [String: JSONValue] = [:]
        for key in ["definitions", "$defs"] {
            for member in schema[key]?.objectMembers ?? [] { definitions["#/\(key)/\(member.key)"] = member.value }
        }
        let walker = Walker(definitions: definitions, path: path)
        return try walker.translate(schema, depth: 0, resolving: [])
    }

    private struct Walker {
        let definitions: [String: JSONValue]
        let path: String

        func translate(_ schema: JSONValue, depth: Int, resolving: Set<String>) throws(TranslationError) -> JSONValue {
            guard depth <= GeminiSchema.maxDepth else {
                throw TranslationError.unsupported(self.path, "the schema nests deeper than \(GeminiSchema.maxDepth) levels")
            }
            guard let members = schema.objectMembers else { return schema }
            if let reference = schema["$ref"]?.stringValue {
                guard let target = self.definitions[reference] else {
                    throw TranslationError.invalidRequest("'\(self.path)' refers to '\(reference)', which it does not define", param: self.path)
                }
                guard !resolving.contains(reference) else {
                    throw TranslationError.unsupported(self.path, "Gemini schemas cannot refer to themselves ('\(reference)')")
                }
                var resolved = try self.translate(target, depth: depth + 1, resolving: resolving.union([reference]))
                // Keywords beside `$ref` (a description, say) apply too.
                for member in try self.translate(.object(members.filter { $0.key != "$ref" }), depth: depth + 1, resolving: resolving).objectMembers ?? [] {
                    resolved = resolved.setting(member.key, to: member.value)
                }
                return resolved
            }
            // Set member by member, a later one replacing an earlier one of the same name: Gemini
            // refuses a schema that names a field twice.
            var output: JSONValue = [:]
            var nullable = false
            for (key, value) in members {
                switch key {
                case "type":
                    guard let types = value.arrayValue else {
                        output = output.setting("type", to: value)
                        continue
                    }
                    let named = types.filter { $0.stringValue != "null" }
                    nullable = nullable || named.count < types.count
                    guard named.count <= 1 else {
                        throw TranslationError.unsupported("\(self.path)", "Gemini schemas take one type per schema, not \(types.count)")
                    }
                    if let type = named.first { output = output.setting("type", to: type) }
                case "properties":
                    var properties = ObjectBuilder()
                    for property in value.objectMembers ?? [] {
                        properties.set(property.key, try self.translate(property.value, depth: depth + 1, resolving: resolving))
                    }
                    output = output.setting("properties", to: properties.object)
                case "items":
                    output = output.setting("items", to: try self.translate(value, depth: depth + 1, resolving: resolving))
                case "anyOf", "oneOf":
                    let choices = value.arrayValue ?? []
                    let named = choices.filter { $0["type"]?.stringValue != "null" }
                    nullable = nullable || named.count < choices.count
                    if named.count == 1 {
                        for member in try self.translate(named[0], depth: depth + 1, resolving: resolving).objectMembers ?? [] { output = output.setting(member.key, to: member.value) }
                    } else {
                        output = output.setting("anyOf", to: .array(try named.map { choice throws(TranslationError) in try self.translate(choice, depth: depth + 1, resolving: resolving) }))
                    }
                case "allOf":
                    guard let choices = value.arrayValue, choices.count == 1 else {
                        throw TranslationError.unsupported(self.path, "Gemini schemas have no allOf of several schemas")
                    }
                    for member in try self.translate(choices[0], depth: depth + 1, resolving: resolving).objectMembers ?? [] { output = output.setting(member.key, to: member.value) }
                case "const", "enum":
                    // Gemini's enum holds strings only; `null` is said by `nullable`, and an enum of
                    // other values cannot be said at all.
                    let values = key == "const" ? [value] : value.arrayValue ?? []
                    let named = values.filter { !$0.isNull }
                    nullable = nullable || named.count < values.count
                    if !named.isEmpty, named.allSatisfy({ $0.stringValue != nil }) { output = output.setting("enum", to: .array(named)) }
                case _ where GeminiSchema.keptKeywords.contains(key):
                    output = output.setting(key, to: value)
                default:
                    continue
                }
            }
            if nullable { output = output.setting("nullable", to: true) }
            return output
        }
    }
}
