/// The schema of an OpenAI `json_schema` `response_format`
/// (`{"type": "json_schema", "json_schema": {"name": …, "schema": {…}, "strict": …}}`), for the
/// translators that carry it to another API's structured outputs.
struct OpenAIResponseSchema {
    var name: String
    var schema: JSONValue

    /// The schema of `format`; nil when there is no format or it is not `json_schema`.
    /// - Throws: 400 naming the member for a `json_schema` format without a name or an object schema.
    static func schema(of format: JSONValue?) throws(TranslationError) -> OpenAIResponseSchema? {
        guard let format, format["type"]?.stringValue == "json_schema" else { return nil }
        guard let definition = format.present("json_schema") else {
            throw TranslationError.invalidRequest("'response_format.json_schema' is a required property", param: "response_format.json_schema")
        }
        let name = try definition.requiredString("name", at: "response_format.json_schema.name")
        guard let schema = definition.present("schema"), schema.objectMembers != nil else {
            throw TranslationError.invalidRequest("'response_format.json_schema.schema' must be a JSON schema object", param: "response_format.json_schema.schema")
        }
        return OpenAIResponseSchema(name: name, schema: schema)
    }
}
